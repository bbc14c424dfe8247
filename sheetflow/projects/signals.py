"""Signals other apps listen to, so projects never imports them (dependencies point one way)."""

from django.dispatch import Signal

# Sent inside the creating transaction with ``project``; drawings adds its default area.
project_created = Signal()
# Sent inside the inviting transaction with ``invitation`` and ``invitee`` (an existing
# account): notifications tells them.
invitation_created = Signal()
