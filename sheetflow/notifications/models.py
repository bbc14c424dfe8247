"""In-app notifications (each also sent as an email) and each project's distribution lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from sheetflow.projects.models import Project


class Notification(models.Model):
    """A message to one user: listed in the app and sent once by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=48)
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    html = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="Path of the page to act on")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.user_id}: {self.subject}"

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}{self.link}" if self.link.startswith("/") else self.link


class ListKind(models.TextChoices):
    CONNECTION = "connection", "Connection Manager distribution list"
    DRAWINGS = "drawings", "Drawings notification list"


class ListMode(models.TextChoices):
    ALL = "all", "All admins"
    SPECIFIC = "specific", "Specific users"


# The most people one list names (and the most candidates a list's page or answer shows).
MAX_LIST_USERS = 500


class DistributionList(models.Model):
    """Who of a project hears about connection or drawing events (no row: all admins)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ListKind.choices)
    mode = models.CharField(max_length=16, choices=ListMode.choices, default=ListMode.ALL)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="distribution_list_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} list of {self.project_id}: {self.mode}"
