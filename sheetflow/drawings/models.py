"""Drawing areas, sets, drawings, revisions, content-addressed blobs and the change sequence.

Every syncable row (area, set, drawing, revision) carries a UUID and a ``change_seq`` taken
from its project's counter (``sequence.py``) in the same transaction as the change; deletes
and unpublishes keep the row (``deleted_at`` is the tombstone) with a new ``change_seq``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sheetflow.projects.models import Project

NUMBER_MAX = 60
TITLE_MAX = 200
NAME_MAX = 120
REVISION_MAX = 20
STATUS_TEXT_MAX = 60
DISCIPLINE_MAX = 60
# Ids one bulk request (page or API: publish, review queue) may name.
BULK_IDS_MAX = 1000
# Bounds of a drawing's or an area's position in the log's order.
POSITION_LIMIT = 1_000_000

OWN = Q(upstream_uuid__isnull=True)
CONNECTED = Q(upstream_uuid__isnull=False)
LIVE = Q(deleted_at__isnull=True)


class ProjectSequence(models.Model):
    """A project's change counter: the last ``change_seq`` handed out."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="change_sequence"
    )
    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.project_id}: {self.last_seq}"


class Blob(models.Model):
    """Bytes stored once under their SHA-256 (``blobs/aa/bb/<sha256>``)."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.sha256

    @property
    def path(self) -> str:
        return f"blobs/{self.sha256[:2]}/{self.sha256[2:4]}/{self.sha256}"


class Syncable(models.Model):
    """Fields every row the sync engine reads carries."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: every syncable table has one on (project, change_seq), which serves
    # project lookups too. Fewer indexes make the sync engine's bulk copies cheaper.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    change_seq = models.BigIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set on a connected copy: the uuid of the upstream row it mirrors.
    upstream_uuid = models.UUIDField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_connected(self) -> bool:
        return self.upstream_uuid is not None


class Area(Syncable):
    """A part of the job (e.g. "Building A"); every project has at least one."""

    name = models.CharField(max_length=NAME_MAX)
    position = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "name"]
        indexes = [models.Index(fields=["project", "change_seq"], name="area_project_seq")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], condition=OWN & LIVE, name="area_name_unique"
            ),
            models.UniqueConstraint(
                fields=["project", "upstream_uuid"],
                condition=CONNECTED,
                name="area_upstream_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DrawingSet(Syncable):
    """A named group of revisions issued together (e.g. "IFC"), with an optional date."""

    name = models.CharField(max_length=NAME_MAX)
    date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "name"]
        indexes = [models.Index(fields=["project", "change_seq"], name="set_project_seq")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], condition=OWN & LIVE, name="set_name_unique"
            ),
            models.UniqueConstraint(
                fields=["project", "upstream_uuid"], condition=CONNECTED, name="set_upstream_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DrawingStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    OBSOLETE = "obsolete", "Obsolete"


class Drawing(Syncable):
    """A sheet identified by its number inside a project's area."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="drawings")
    number = models.CharField(max_length=NUMBER_MAX)
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    discipline = models.CharField(max_length=DISCIPLINE_MAX, blank=True)
    status = models.CharField(
        max_length=10, choices=DrawingStatus.choices, default=DrawingStatus.ACTIVE
    )
    position = models.IntegerField(default=0)
    # Denormalised pointers kept by the revision services: the latest published revision
    # (the current set) and the latest revision of any state (what admins see first).
    current_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latest_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Connected copies: synced fields are read-only here while ``is_synced``.
    is_synced = models.BooleanField(default=False)
    upstream_company_name = models.CharField(max_length=200, blank=True)
    upstream_project_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "number"]
        indexes = [
            models.Index(fields=["project", "change_seq"], name="drawing_project_seq"),
            # The log's default order, over live drawings only (a page of ids is read from
            # the index alone, however deep).
            models.Index(
                fields=["project", "position", "number", "id"],
                condition=LIVE,
                name="drawing_log_order",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "number"], condition=OWN & LIVE, name="drawing_number_unique"
            ),
            models.UniqueConstraint(
                fields=["project", "upstream_uuid"],
                condition=CONNECTED,
                name="drawing_upstream_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    SYNCED_FIELDS = ("number", "title", "discipline", "area", "status", "position")


class Revision(Syncable):
    """One version of a drawing: a one-page sheet file with its revision metadata."""

    # Indexed by rev_order (drawing, drawing_date, received_date), not on its own.
    drawing = models.ForeignKey(
        Drawing, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    revision_number = models.CharField(max_length=REVISION_MAX)
    revision_status = models.CharField(max_length=STATUS_TEXT_MAX, blank=True)
    # Sheets get renamed between issues: each revision keeps the title it was issued with.
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    drawing_date = models.DateField()
    received_date = models.DateField()
    drawing_set = models.ForeignKey(
        DrawingSet, null=True, blank=True, on_delete=models.PROTECT, related_name="revisions"
    )
    sheet = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    # Renderings and the people below are never looked up by these columns on a hot path
    # (only by the rare blob purge or user deletion), so they carry no index.
    thumbnail = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    image = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    render_failed = models.BooleanField(default=False)
    source_name = models.CharField(max_length=255, blank=True)
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    withdrawn_upstream_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    # Which revision is newest, the one definition: drawing date, then received date, then
    # upload order. Queries order by it, ``order_key`` sorts by it in Python, and the sync's
    # pointer statements are written from it (drawings.services.replicas).
    NEWEST_FIRST = ("-drawing_date", "-received_date", "-id")

    class Meta:
        ordering = ["-drawing_date", "-received_date", "-id"]  # NEWEST_FIRST
        indexes = [
            models.Index(fields=["project", "change_seq"], name="revision_project_seq"),
            models.Index(fields=["drawing", "drawing_date", "received_date"], name="rev_order"),
            # Small: only sheets still waiting for a rendering (the render sweep reads it).
            models.Index(
                fields=["created_at"],
                condition=Q(thumbnail__isnull=True, render_failed=False),
                name="revision_unrendered",
            ),
            # The downstream review queue: connected copies still waiting to be published
            # here, newest batch first (a small part of a project, so a partial index).
            models.Index(
                fields=["project", "-created_at"],
                condition=Q(
                    upstream_uuid__isnull=False,
                    is_published=False,
                    deleted_at__isnull=True,
                    withdrawn_upstream_at__isnull=True,
                ),
                name="revision_review_queue",
            ),
        ]
        constraints = [
            # SPEC §2: a revision number repeats for a drawing only if set or a date differs.
            models.UniqueConstraint(
                "drawing",
                "revision_number",
                Coalesce("drawing_set", Value(0)),
                "drawing_date",
                "received_date",
                condition=LIVE,
                name="revision_number_unique",
            ),
            models.UniqueConstraint(
                fields=["project", "upstream_uuid"],
                condition=CONNECTED,
                name="revision_upstream_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drawing_id} rev {self.revision_number}"

    def order_key(self) -> tuple[object, ...]:
        """The sort key of ``NEWEST_FIRST`` (ascending: the newest sorts last)."""
        return (self.drawing_date, self.received_date, self.pk or 0)


class Discipline(models.Model):
    """A project's map from a number's letter prefix to a discipline name."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=10)
    name = models.CharField(max_length=DISCIPLINE_MAX)

    class Meta:
        ordering = ["prefix"]
        constraints = [
            models.UniqueConstraint(fields=["project", "prefix"], name="discipline_prefix_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


DEFAULT_DISCIPLINES = {
    "A": "Architectural",
    "C": "Civil",
    "E": "Electrical",
    "FP": "Fire Protection",
    "G": "General",
    "I": "Interiors",
    "L": "Landscape",
    "M": "Mechanical",
    "P": "Plumbing",
    "S": "Structural",
    "T": "Telecommunications",
}


class Upload(models.Model):
    """Sheets split from uploaded PDFs, waiting for the uploader's review."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    drawing_set = models.ForeignKey(
        DrawingSet, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    drawing_date = models.DateField()
    received_date = models.DateField()
    revision_number = models.CharField(max_length=REVISION_MAX)
    revision_status = models.CharField(max_length=STATUS_TEXT_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.uuid)


class UploadSheet(models.Model):
    """One page of an upload, with the number and title read from its title block."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="sheets")
    index = models.PositiveIntegerField()
    sheet = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=NUMBER_MAX, blank=True)
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    # Confidence, source and boxes of the recognised fields (see drawings.recognition).
    evidence = models.JSONField(default=dict, blank=True)
    # Title-block crop and page thumbnail for the review, rendered by a task.
    crop = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    thumbnail = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    ocr_state = models.CharField(max_length=12, blank=True)  # "", reading, done, failed, off

    class Meta:
        ordering = ["index"]

    def __str__(self) -> str:
        return f"{self.upload_id} #{self.index}"


class TitleBlockLayout(models.Model):
    """Where a project's sheets carry their number and title, learned from a correction."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="+")
    # Relative centres (0..1 of the displayed page) of the number and of the title.
    number_x = models.FloatField(null=True, blank=True)
    number_y = models.FloatField(null=True, blank=True)
    title_x = models.FloatField(null=True, blank=True)
    title_y = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"title block of project {self.project_id}"


class ComparisonStatus(models.TextChoices):
    PENDING = "pending", "Computing"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not compare"


class SheetComparison(models.Model):
    """The difference between two sheet files, computed once per (first, second) pair of blobs."""

    sha_a = models.CharField(max_length=64)
    sha_b = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=ComparisonStatus.choices, default=ComparisonStatus.PENDING
    )
    # Pixels of the aligned canvas the region boxes are measured in.
    width = models.IntegerField(default=0)
    height = models.IntegerField(default=0)
    regions = models.JSONField(default=list)  # [[x, y, width, height], …], largest first
    words_added = models.JSONField(default=list)
    words_removed = models.JSONField(default=list)
    overlay = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    image_a = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    image_b = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    error = models.CharField(max_length=300, blank=True)
    attempts = models.IntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    computed_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sha_a", "sha_b"], name="comparison_pair_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sha_a[:8]}…{self.sha_b[:8]} ({self.status})"
