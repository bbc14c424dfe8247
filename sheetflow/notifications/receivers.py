"""What other apps report that people are told about (they never import notifications)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.urls import reverse

from sheetflow.accounts.models import User
from sheetflow.notifications.services import notify
from sheetflow.projects.models import Invitation
from sheetflow.projects.signals import invitation_created


@receiver(invitation_created, dispatch_uid="notifications-invitation")
def _invited(sender: Any, invitation: Invitation, invitee: User, **kwargs: Any) -> None:
    # In the inviting transaction: the notification commits with the invitation.
    notify(
        event="directory_invitation",
        recipients=[invitee],
        context={
            "invitation": invitation,
            "project": invitation.project,
            "actor": invitation.invited_by,
        },
        link=reverse("projects:invitation", args=[invitation.pk]),
    )
