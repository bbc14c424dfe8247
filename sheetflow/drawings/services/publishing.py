"""Bulk publishing with a report: what was published or unpublished, what was skipped and why."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from sheetflow.accounts.models import User
from sheetflow.common.errors import Conflict
from sheetflow.drawings import review, sequence
from sheetflow.drawings.models import Drawing, Revision
from sheetflow.drawings.review import QueueFilters
from sheetflow.drawings.services.revisions import _set_published
from sheetflow.projects.models import Project

BULK_MAX = 1000


@dataclass(frozen=True)
class PublishItem:
    """One drawing's outcome in a bulk publish or unpublish."""

    drawing_id: int | None
    number: str
    revision_id: int | None = None
    revision_number: str = ""
    code: str = ""
    reason: str = ""

    @property
    def label(self) -> str:
        if self.revision_number:
            return f"{self.number} rev {self.revision_number}"
        return self.number or "an unknown item"


@dataclass
class PublishReport:
    """What a bulk publish or unpublish changed (``done``) and what it left alone (``skipped``)."""

    done: list[PublishItem] = field(default_factory=list)
    skipped: list[PublishItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.done)


def _item(revision: Revision, *, code: str = "", reason: str = "") -> PublishItem:
    return PublishItem(
        drawing_id=revision.drawing_id,
        number=revision.drawing.number,
        revision_id=revision.pk,
        revision_number=revision.revision_number,
        code=code,
        reason=reason,
    )


def _missing(ids: Iterable[int], found: set[int], *, drawing: bool) -> list[PublishItem]:
    # Ids of other projects or deleted rows: reported without anything that would leak them.
    return [
        PublishItem(
            drawing_id=i if drawing else None,
            number="",
            revision_id=None if drawing else i,
            code="not_found",
            reason="not found in this project",
        )
        for i in ids
        if i not in found
    ]


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _set_many(*, user: User, revisions: list[Revision], published: bool) -> None:
    # In slices: one UPDATE … CASE over tens of thousands of rows is slower than several.
    for start in range(0, len(revisions), BULK_MAX):
        _set_published(
            user=user, revisions=revisions[start : start + BULK_MAX], published=published
        )


def _locked_drawings(
    project_id: int, ids: list[int], matching: QuerySet[Drawing] | None, related: str
) -> tuple[dict[int, Drawing], list[int]]:
    """The project's live drawings among ``ids`` (or ``matching``), locked, and their order."""
    qs = Drawing.objects.select_for_update(of=("self",)).filter(
        project_id=project_id, deleted_at__isnull=True
    )
    # A subquery, not a list: "all matching" may be tens of thousands of drawings.
    qs = qs.filter(pk__in=matching.values("pk")) if matching is not None else qs.filter(pk__in=ids)
    drawings = qs.select_related(related).in_bulk()
    return drawings, (ids if matching is None else sorted(drawings))


def _pending_of(drawing: Drawing) -> Revision | PublishItem:
    """A drawing's pending revision (its newest, when unpublished), or why there is none."""
    latest = drawing.latest_revision
    if latest is None:
        return PublishItem(
            drawing.pk, drawing.number, code="no_revision", reason="it has no revision"
        )
    latest.drawing = drawing
    if latest.is_published:
        return _item(
            latest,
            code="nothing_pending",
            reason=f"nothing waits to be published (rev {latest.revision_number} "
            "is already the current revision)",
        )
    if latest.withdrawn_upstream_at is not None:
        return _item(
            latest,
            code="withdrawn_upstream",
            reason="the upstream project withdrew this revision",
        )
    return latest


def _current_of(drawing: Drawing) -> Revision | PublishItem:
    """A drawing's current (latest published) revision, or why there is none."""
    current = drawing.current_revision
    if current is None:
        return PublishItem(
            drawing.pk, drawing.number, code="not_published", reason="no revision is published"
        )
    current.drawing = drawing
    return current


def _per_drawing(
    *,
    user: User,
    project_id: int,
    drawing_ids: Iterable[int],
    matching: QuerySet[Drawing] | None,
    related: str,
    pick: Callable[[Drawing], Revision | PublishItem],
    published: bool,
) -> PublishReport:
    """Publish or unpublish the revision ``pick`` chooses for each drawing, with a report."""
    ids = _unique(drawing_ids)
    report = PublishReport()
    # The project's counter first, then the drawings (the one lock order, drawings.sequence).
    with sequence.changing(project_id):
        # Locked so the revision chosen here is still the one meant when it is changed.
        drawings, order = _locked_drawings(project_id, ids, matching, related)
        report.skipped += _missing(ids, set(drawings), drawing=True)
        chosen = []
        for pk in order:
            drawing = drawings.get(pk)
            if drawing is None:
                continue
            choice = pick(drawing)
            if isinstance(choice, PublishItem):
                report.skipped.append(choice)
            else:
                chosen.append(choice)
        _set_many(user=user, revisions=chosen, published=published)
    report.done = [_item(r) for r in chosen]
    return report


def drawings_publish_pending(
    *,
    user: User,
    project_id: int,
    drawing_ids: Iterable[int] = (),
    matching: QuerySet[Drawing] | None = None,
) -> PublishReport:
    """Publish each drawing's pending revision (its newest, when unpublished), with a report.

    Needs ``drawings.publish`` on the project, checked by the caller.
    """
    return _per_drawing(
        user=user,
        project_id=project_id,
        drawing_ids=drawing_ids,
        matching=matching,
        related="latest_revision",
        pick=_pending_of,
        published=True,
    )


def drawings_unpublish_current(
    *,
    user: User,
    project_id: int,
    drawing_ids: Iterable[int] = (),
    matching: QuerySet[Drawing] | None = None,
) -> PublishReport:
    """Unpublish the current (latest published) revision of each drawing, with a report.

    Needs ``drawings.publish`` on the project, checked by the caller.
    """
    return _per_drawing(
        user=user,
        project_id=project_id,
        drawing_ids=drawing_ids,
        matching=matching,
        related="current_revision",
        pick=_current_of,
        published=False,
    )


def revisions_set_published(
    *, user: User, project_id: int, revision_ids: Iterable[int], published: bool
) -> PublishReport:
    """Publish or unpublish exactly these revisions of a project, with a report.

    Needs ``drawings.publish`` on the project, checked by the caller.
    """
    ids = _unique(revision_ids)
    report = PublishReport()
    with sequence.changing(project_id):
        revisions = (
            Revision.objects.filter(project_id=project_id, pk__in=ids, deleted_at__isnull=True)
            .select_related("drawing")
            .in_bulk()
        )
        report.skipped += _missing(ids, set(revisions), drawing=False)
        chosen = []
        for pk in ids:
            revision = revisions.get(pk)
            if revision is None:
                continue
            if revision.is_published == published:
                state = "published" if published else "unpublished"
                report.skipped.append(
                    _item(revision, code=f"already_{state}", reason=f"already {state}")
                )
            else:
                chosen.append(revision)
        _set_many(user=user, revisions=chosen, published=published)
    report.done = [_item(r) for r in chosen]
    return report


def queue_publish(
    *,
    user: User,
    project: Project,
    filters: QueueFilters,
    revision_ids: list[int] | None = None,
    expected: int | None = None,
) -> PublishReport:
    """Publish the review queue's revisions that match (all of them, across pages), or those
    of ``revision_ids`` among them; refuses when ``expected`` no longer matches the count.

    Needs ``drawings.publish`` on the project, checked by the caller.
    """
    report = PublishReport()
    with sequence.changing(project.pk):
        qs = review.waiting(project=project, filters=filters).select_related("drawing")
        if revision_ids is not None:
            qs = qs.filter(pk__in=revision_ids)
        chosen = list(qs)
        if expected is not None and len(chosen) != expected:
            raise Conflict(
                f"The review queue changed: {len(chosen)} sheet(s) match now, not {expected}. "
                "Check them and confirm again.",
                code="queue_changed",
            )
        _set_many(user=user, revisions=chosen, published=True)
    if revision_ids is not None:
        found = {r.pk for r in chosen}
        report.skipped = [
            PublishItem(None, "", i, code="not_waiting", reason="no longer waiting for review here")
            for i in _unique(revision_ids)
            if i not in found
        ]
    report.done = [_item(r) for r in chosen]
    return report
