"""Each event of SPEC §4 reaches exactly its recipients, with the lists in both modes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail

from sheetflow.connections.models import ApprovalMode, Connection
from sheetflow.connections.services import (
    company_setting_update,
    connection_approve,
    connection_cancel,
    connection_disconnect,
    connection_reject,
    connection_request,
    connection_undo,
)
from sheetflow.notifications.models import ListKind, Notification
from sheetflow.notifications.selectors import connection_list, drawings_list
from sheetflow.notifications.services import distribution_list_update
from tests.cast import Cast


def _request(cast: Cast) -> Connection:
    return connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )


def _review(cast: Cast) -> None:
    company_setting_update(user=cast.gc_admin, company=cast.gc, approval_mode=ApprovalMode.REVIEW)


# Each scenario: set-up (before the counted event), the event, and who hears what.
# Recipients by role name; "all" mode lists are the Connection Manager admins in the
# directory: gc_pm upstream, sub_pm downstream. "specific" lists: gc_admin and sub_admin
# (company admins, chosen although not in the directory).
def _requested(cast: Cast) -> Callable[[], object]:
    _review(cast)
    return lambda: _request(cast)


def _approved(cast: Cast) -> Callable[[], object]:
    _review(cast)
    conn = _request(cast)
    return lambda: connection_approve(user=cast.gc_pm, connection=conn)


def _auto_approved(cast: Cast) -> Callable[[], object]:
    return lambda: _request(cast)


def _rejected(cast: Cast) -> Callable[[], object]:
    _review(cast)
    conn = _request(cast)
    return lambda: connection_reject(user=cast.gc_pm, connection=conn, reason="Wrong job")


def _cancelled(cast: Cast) -> Callable[[], object]:
    _review(cast)
    conn = _request(cast)
    return lambda: connection_cancel(user=cast.sub_pm, connection=conn)


def _undone(cast: Cast) -> Callable[[], object]:
    conn = _request(cast)
    return lambda: connection_undo(user=cast.sub_pm, side="downstream", connection=conn)


def _approval_undone(cast: Cast) -> Callable[[], object]:
    _review(cast)
    conn = connection_approve(user=cast.gc_pm, connection=_request(cast))
    return lambda: connection_undo(user=cast.gc_pm, connection=conn, side="upstream")


def _disconnected(cast: Cast) -> Callable[[], object]:
    conn = _request(cast)
    return lambda: connection_disconnect(
        user=cast.gc_pm,
        side="upstream",
        connection=conn,
        reason="Contract ended",
        acknowledged=True,
    )


UP_ALL, DOWN_ALL = "gc_pm", "sub_pm"
UP_SPECIFIC, DOWN_SPECIFIC = "gc_admin", "sub_admin"

SCENARIOS = {
    # name: (setup, {mode: expected {(event, role)}})
    "requested": (
        _requested,
        {
            "all": {("connection_requested", UP_ALL), ("connection_request_sent", "sub_pm")},
            "specific": {
                ("connection_requested", UP_SPECIFIC),
                ("connection_request_sent", "sub_pm"),
            },
        },
    ),
    "approved": (
        _approved,
        {
            "all": {("connection_created", UP_ALL), ("connection_created", DOWN_ALL)},
            "specific": {
                ("connection_created", UP_SPECIFIC),
                ("connection_created", DOWN_SPECIFIC),
            },
        },
    ),
    "auto_approved": (
        _auto_approved,
        {
            "all": {("connection_created", UP_ALL), ("connection_created", DOWN_ALL)},
            "specific": {
                ("connection_created", UP_SPECIFIC),
                ("connection_created", DOWN_SPECIFIC),
            },
        },
    ),
    "rejected": (
        _rejected,
        {
            "all": {("connection_rejected", DOWN_ALL)},
            "specific": {("connection_rejected", DOWN_SPECIFIC)},
        },
    ),
    "cancelled": (
        _cancelled,
        {
            "all": {("connection_cancelled", UP_ALL), ("connection_cancelled", DOWN_ALL)},
            "specific": {
                ("connection_cancelled", UP_SPECIFIC),
                ("connection_cancelled", DOWN_SPECIFIC),
            },
        },
    ),
    "undone": (
        _undone,
        {
            "all": {("connection_undone", UP_ALL), ("connection_undone", DOWN_ALL)},
            "specific": {("connection_undone", UP_SPECIFIC), ("connection_undone", DOWN_SPECIFIC)},
        },
    ),
    "approval_undone": (
        _approval_undone,
        {
            "all": {
                ("connection_approval_undone", UP_ALL),
                ("connection_approval_undone", DOWN_ALL),
            },
            "specific": {
                ("connection_approval_undone", UP_SPECIFIC),
                ("connection_approval_undone", DOWN_SPECIFIC),
            },
        },
    ),
    "disconnected": (
        _disconnected,
        {
            "all": {("connection_disconnected", UP_ALL), ("connection_disconnected", DOWN_ALL)},
            "specific": {
                ("connection_disconnected", UP_SPECIFIC),
                ("connection_disconnected", DOWN_SPECIFIC),
            },
        },
    ),
}


def _choose_specific(cast: Cast) -> None:
    distribution_list_update(
        project=cast.gc_project, kind=ListKind.CONNECTION, mode="specific", users=[cast.gc_admin]
    )
    distribution_list_update(
        project=cast.sub_project, kind=ListKind.CONNECTION, mode="specific", users=[cast.sub_admin]
    )


@pytest.mark.parametrize("mode", ["all", "specific"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_each_event_reaches_exactly_its_recipients(
    cast: Cast, drain_tasks: Callable, scenario: str, mode: str
) -> None:
    setup, expected = SCENARIOS[scenario]
    if mode == "specific":
        _choose_specific(cast)
    event = setup(cast)
    drain_tasks()
    before = set(Notification.objects.values_list("pk", flat=True))
    mail.outbox.clear()
    event()
    drain_tasks()
    emails = {
        getattr(cast, role).email: role
        for role in ("gc_admin", "gc_pm", "gc_reader", "sub_admin", "sub_pm", "outsider")
    }
    new_notes = list(
        Notification.objects.exclude(pk__in=before).filter(event__startswith="connection_")
    )
    got = {
        (n.event, emails[n.user.email])
        for n in Notification.objects.exclude(pk__in=before)
        .filter(event__startswith="connection_")  # sync events are the engine's to test
        .select_related("user")
    }
    assert got == expected[mode]
    mailed = sorted(
        emails[m.to[0]] for m in mail.outbox if m.subject in {n.subject for n in new_notes}
    )
    assert mailed == sorted(role for _, role in expected[mode])


def test_someone_on_both_lists_hears_once(cast: Cast) -> None:
    from sheetflow.projects.models import Level
    from sheetflow.projects.services import member_add

    member_add(project=cast.sub_project, user=cast.gc_pm, connection_manager=Level.ADMIN)
    _request(cast)
    assert Notification.objects.filter(user=cast.gc_pm, event="connection_created").count() == 1


def test_all_mode_lists_only_directory_admins_of_the_tool(cast: Cast) -> None:
    assert connection_list(cast.gc_project) == [cast.gc_pm]
    assert drawings_list(cast.gc_project) == [cast.gc_pm]
    assert drawings_list(cast.sub_project) == [cast.sub_pm]


def test_specific_mode_accepts_only_eligible_people(cast: Cast) -> None:
    from sheetflow.common.errors import ServiceError

    with pytest.raises(ServiceError) as caught:
        distribution_list_update(
            project=cast.gc_project,
            kind=ListKind.CONNECTION,
            mode="specific",
            users=[cast.gc_reader],  # in the directory, but not a Connection Manager admin
        )
    assert caught.value.code == "list_user_not_eligible"
    with pytest.raises(ServiceError):
        distribution_list_update(
            project=cast.gc_project, kind=ListKind.DRAWINGS, mode="specific", users=[cast.sub_admin]
        )


def test_drawings_list_in_specific_mode(cast: Cast) -> None:
    distribution_list_update(
        project=cast.sub_project, kind=ListKind.DRAWINGS, mode="specific", users=[cast.sub_admin]
    )
    assert drawings_list(cast.sub_project) == [cast.sub_admin]
    assert connection_list(cast.sub_project) == [cast.sub_pm]  # the other list is untouched


def test_a_chosen_user_who_loses_admin_is_no_longer_notified(cast: Cast) -> None:
    from sheetflow.projects.models import Level, ProjectMember
    from sheetflow.projects.services import member_update

    distribution_list_update(
        project=cast.gc_project, kind=ListKind.CONNECTION, mode="specific", users=[cast.gc_pm]
    )
    member = ProjectMember.objects.get(project=cast.gc_project, user=cast.gc_pm)
    member_update(member=member, connection_manager=Level.READ_ONLY)
    assert connection_list(cast.gc_project) == []


def test_the_lists_of_many_projects_read_at_once_are_each_projects_own_list(cast: Cast) -> None:
    from sheetflow.accounts.services import user_deactivate
    from sheetflow.notifications.selectors import list_members, lists_members
    from sheetflow.projects.models import Level, ProjectMember
    from sheetflow.projects.services import member_add, member_update, project_create

    # All admins (one of them deactivated), specific people (one no longer eligible), and a
    # project whose list is nobody.
    grace = ProjectMember.objects.get(project=cast.gc_project, user=cast.gc_reader)
    member_update(member=grace, drawings=Level.ADMIN)
    user_deactivate(user=cast.gc_reader)
    member_add(project=cast.sub_project, user=cast.gc_pm, drawings=Level.ADMIN)
    distribution_list_update(
        project=cast.sub_project,
        kind=ListKind.DRAWINGS,
        mode="specific",
        users=[cast.sub_admin, cast.gc_pm, cast.sub_pm],
    )
    member = ProjectMember.objects.get(project=cast.sub_project, user=cast.gc_pm)
    member_update(member=member, drawings=Level.STANDARD)
    empty = project_create(company=cast.sub, name="Annex", code="BE-ANX")
    projects = [cast.gc_project, cast.sub_project, empty]
    for kind in (ListKind.DRAWINGS, ListKind.CONNECTION):
        at_once = lists_members(projects=projects, kind=kind)
        assert at_once == {p.pk: list_members(project=p, kind=kind) for p in projects}
    assert lists_members(projects=projects, kind=ListKind.DRAWINGS) == {
        cast.gc_project.pk: [cast.gc_pm],
        cast.sub_project.pk: [cast.sub_pm, cast.sub_admin],  # by name: Bella, then Ben
        empty.pk: [],
    }
