"""What the sync engine reports to whoever listens (webhooks), without knowing who does.

Each is sent inside the transaction that records what it reports, so a listener that writes
(an event and its deliveries) commits with it or not at all.
"""

from django.dispatch import Signal

# items: list of NewCopies, live windows that have just created copies (heard by the tasks
# module, which records them and queues their announcement in the same transaction).
copies_applied = Signal()
# connection: the initial copy into its downstream has just finished.
initial_sync_complete = Signal()
# windows: list of (Connection, NewCopies), live windows whose new copies are being announced.
revisions_copied = Signal()
# connection: its sync has been failing for a while.
sync_failing = Signal()
