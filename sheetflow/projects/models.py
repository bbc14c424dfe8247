"""Projects and their directories, with a permission level per tool for each member."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from sheetflow.accounts.models import Company


class Level(models.IntegerChoices):
    NONE = 0, "None"
    READ_ONLY = 1, "Read only"
    STANDARD = 2, "Standard"
    ADMIN = 3, "Admin"


class Tool(models.TextChoices):
    DRAWINGS = "drawings", "Drawings"
    CONNECTION_MANAGER = "connection_manager", "Connection Manager"


class Project(models.Model):
    """A job run by one company; its tools are shared with the people in its directory."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=30)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["company__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="project_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectMember(models.Model):
    """A user in a project's directory, with a level on each tool."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    drawings = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.READ_ONLY)
    connection_manager = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.NONE)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_member_unique"),
            models.CheckConstraint(
                condition=models.Q(drawings__lte=3) & models.Q(connection_manager__lte=3),
                name="project_member_levels_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project}"

    def level(self, tool: Tool | str) -> Level:
        return Level(getattr(self, str(tool)))


class InvitationState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


class Invitation(models.Model):
    """An offer of a place in a project's directory to someone of another company.

    It holds only what the inviter typed (the email) and the levels offered; it is matched to
    an account by email when that person looks at their invitations, so creating one says
    nothing about whether the address has an account.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    drawings = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.READ_ONLY)
    connection_manager = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.NONE)
    state = models.CharField(
        max_length=16, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "email"],
                condition=models.Q(state="pending"),
                name="invitation_one_pending_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(drawings__lte=3) & models.Q(connection_manager__lte=3),
                name="invitation_levels_valid",
            ),
        ]
        indexes = [models.Index(fields=["email", "state"], name="invitation_email_state")]

    def __str__(self) -> str:
        return f"{self.email} to {self.project} ({self.state})"
