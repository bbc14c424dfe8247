"""Connections between an upstream and a downstream project, their history and settings."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from sheetflow.accounts.models import Company
from sheetflow.projects.models import Project

# The longest reason people may give for rejecting or ending a connection.
MAX_REASON = 2000

# The two ends of a connection, as attribute names of Connection.
Side = Literal["upstream", "downstream"]
SIDES: tuple[Side, ...] = ("upstream", "downstream")


class State(models.TextChoices):
    PENDING = "pending", "Pending approval"
    CONNECTED = "connected", "Connected"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    UNDONE = "undone", "Undone"
    DISCONNECTED = "disconnected", "Disconnected"


LIVE_STATES = (State.PENDING, State.CONNECTED)


class Connection(models.Model):
    """A one-way link: published drawings of `upstream` flow into `downstream`."""

    upstream = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="downstream_connections"
    )
    downstream = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="upstream_connections"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    auto_approved = models.BooleanField(default=False)
    disconnected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    disconnected_at = models.DateTimeField(null=True, blank=True)
    disconnect_reason = models.TextField(blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    # Sync state, owned by the sync engine (see ARCHITECTURE.md, "The sync engine").
    synced_seq = models.BigIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    initial_total = models.IntegerField(default=0)
    initial_copied = models.IntegerField(default=0)
    initial_done_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    failing_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # At most one upstream per downstream: a race of two requests leaves exactly one.
            models.UniqueConstraint(
                fields=["downstream"],
                condition=Q(state__in=["pending", "connected"]),
                name="connection_one_live_per_downstream",
            ),
            models.CheckConstraint(
                condition=~Q(upstream=F("downstream")), name="connection_not_to_itself"
            ),
        ]
        indexes = [models.Index(fields=["upstream", "state"], name="connection_upstream_state")]

    def __str__(self) -> str:
        return f"{self.upstream} → {self.downstream} ({self.state})"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def initial_percent(self) -> int:
        if not self.initial_total:
            return 100 if self.initial_done_at else 0
        return min(100, round(100 * self.initial_copied / self.initial_total))


class EventKind(models.TextChoices):
    REQUESTED = "requested", "Requested"
    AUTO_APPROVED = "auto_approved", "Connected automatically"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    UNDONE = "undone", "Undone by the downstream"
    APPROVAL_UNDONE = "approval_undone", "Approval undone by the upstream"
    DISCONNECTED = "disconnected", "Disconnected"


class ConnectionEvent(models.Model):
    """One transition in a connection's history (shown to both sides)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class SyncRun(models.Model):
    """One pass of the sync engine over a connection (filled by the engine)."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial copy"
        LIVE = "live", "Live"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="sync_runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    applied = models.IntegerField(default=0)
    from_seq = models.BigIntegerField(default=0)
    to_seq = models.BigIntegerField(default=0)
    ok = models.BooleanField(null=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} run of {self.connection_id} at {self.started_at:%H:%M:%S}"


class ApprovalMode(models.TextChoices):
    AUTO = "auto", "Automatically approve connections (recommended)"
    REVIEW = "review", "Require review"


class CompanyConnectionSetting(models.Model):
    """How a company answers requests to connect to its projects (no row: auto-approve)."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="connection_setting"
    )
    approval_mode = models.CharField(
        max_length=8, choices=ApprovalMode.choices, default=ApprovalMode.AUTO
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.company}: {self.approval_mode}"


class NewSheetsNotice(models.Model):
    """New copies a live sync window made downstream, waiting to be announced.

    Written in the window's transaction and deleted in the transaction that produces its
    message and webhook event, so each window is announced exactly once.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    seq = models.BigIntegerField(help_text="The downstream change number of the window's rows")
    window_at = models.DateTimeField(help_text="The window's time (created_at of its copies)")
    total = models.PositiveIntegerField()
    revision_ids = models.JSONField(default=list, help_text="The first copies, by id")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.total} new copies in connection {self.connection_id}"
