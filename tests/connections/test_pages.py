"""The Connection Manager pages: what each side sees and can do."""

from __future__ import annotations

from django.urls import reverse

from sheetflow.connections.models import Connection, State
from tests.cast import Cast


def _index(project_id: int) -> str:
    return reverse("connections:index", args=[project_id])


def test_the_wizard_walks_from_company_to_connected(cast: Cast, page_as) -> None:
    client = page_as(cast.sub_pm)
    url = reverse("connections:connect", args=[cast.sub_project.pk])
    step1 = client.get(url)
    assert step1.status_code == 200
    html = step1.content.decode()
    assert "Current company" in html and "Apex Builders" in html
    assert f'value="{cast.gc_project.pk}"' in html
    step2 = client.get(url, {"step": 2, "upstream": cast.gc_project.pk})
    assert "No chaining" in step2.content.decode()
    step3 = client.get(url, {"step": 3, "upstream": cast.gc_project.pk})
    assert "approves connections automatically" in step3.content.decode()
    done = client.post(url, {"upstream": cast.gc_project.pk}, follow=True)
    assert "Connected" in done.content.decode()
    assert Connection.objects.get(downstream=cast.sub_project).state == State.CONNECTED


def test_the_review_page_lets_the_upstream_admin_approve(cast: Cast, pending, page_as) -> None:
    gc = page_as(cast.gc_pm)
    detail = reverse("connections:detail", args=[cast.gc_project.pk, pending.pk])
    page = gc.get(detail).content.decode()
    assert "Review request" in page and "Approve" in page
    gc.post(reverse("connections:approve", args=[cast.gc_project.pk, pending.pk]))
    assert Connection.objects.get(pk=pending.pk).state == State.CONNECTED
    sub_page = page_as(cast.sub_pm).get(_index(cast.sub_project.pk)).content.decode()
    assert "Riverside Medical Center" in sub_page and "Connected" in sub_page


def test_the_downstream_does_not_see_review_buttons(cast: Cast, pending, page_as) -> None:
    page = page_as(cast.sub_pm).get(
        reverse("connections:detail", args=[cast.sub_project.pk, pending.pk])
    )
    html = page.content.decode()
    assert "Review request" not in html and "Cancel request" in html


def test_disconnect_needs_reason_and_acknowledgement(cast: Cast, connected, page_as) -> None:
    url = reverse("connections:disconnect", args=[cast.gc_project.pk, connected.pk])
    client = page_as(cast.gc_pm)
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": "Wrong project"})
    assert refused.status_code == 400 and "acknowledge" in refused.content.decode()
    client.post(url, {"reason": "Wrong project", "acknowledged": "on"})
    conn = Connection.objects.get(pk=connected.pk)
    assert conn.state == State.DISCONNECTED and conn.disconnect_reason == "Wrong project"
    history = client.get(reverse("connections:detail", args=[cast.gc_project.pk, conn.pk]))
    assert "Reason: Wrong project" in history.content.decode()


def test_outsiders_get_404_for_a_connection_page(cast: Cast, connected, page_as) -> None:
    url = reverse("connections:detail", args=[cast.gc_project.pk, connected.pk])
    assert page_as(cast.outsider).get(url).status_code == 404


def test_the_undo_banner_shows_the_time_left(cast: Cast, connected, page_as) -> None:
    url = reverse("connections:detail", args=[cast.sub_project.pk, connected.pk])
    html = page_as(cast.sub_pm).get(url).content.decode()
    assert 'id="undo-banner"' in html and "Undo connection" in html


def test_distribution_list_page_saves_specific_users(cast: Cast, page_as) -> None:
    url = reverse("connections:settings", args=[cast.gc_project.pk])
    client = page_as(cast.gc_pm)
    assert "Gary Holt" in client.get(url).content.decode()
    client.post(url, {"kind": "connection", "mode": "specific", "users": [cast.gc_admin.pk]})
    from sheetflow.notifications.selectors import connection_list

    assert connection_list(cast.gc_project) == [cast.gc_admin]


def test_company_admin_sets_review_on_the_company_page(cast: Cast, page_as) -> None:
    from sheetflow.connections.services import approval_mode_of

    page_as(cast.gc_admin).post(reverse("company_settings"), {"approval_mode": "review"})
    assert approval_mode_of(cast.gc) == "review"
    refused = page_as(cast.gc_pm).post(reverse("company_settings"), {"approval_mode": "auto"})
    assert refused.status_code == 403
    assert approval_mode_of(cast.gc) == "review"


def test_notifications_page_shows_unread_count(cast: Cast, pending, page_as) -> None:
    html = page_as(cast.gc_pm).get(reverse("notifications:list")).content.decode()
    assert "Review request" in html and 'class="notif-count"' in html


def test_the_manager_page_asks_the_same_number_of_queries_for_many_downstreams(
    cast: Cast, page_as
) -> None:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from sheetflow.connections.services import connection_request
    from sheetflow.projects.services import project_create

    def add_downstream(i: int) -> None:
        project = project_create(company=cast.gc, name=f"Annex {i}", code=f"AX{i}")
        connection_request(user=cast.gc_admin, downstream=project, upstream=cast.gc_project)

    client = page_as(cast.gc_pm)
    url = _index(cast.gc_project.pk)
    add_downstream(0)
    with CaptureQueriesContext(db) as one:
        assert client.get(url).status_code == 200
    for i in range(1, 6):
        add_downstream(i)
    with CaptureQueriesContext(db) as six:
        html = client.get(url).content.decode()
    assert "Annex 5" in html
    assert len(six) == len(one)


def test_a_refused_approval_shows_why_on_the_page(cast: Cast, pending, page_as) -> None:
    from sheetflow.projects.services import project_update

    project_update(project=cast.sub_project, is_active=False)
    client = page_as(cast.gc_pm)
    response = client.post(
        reverse("connections:approve", args=[cast.gc_project.pk, pending.pk]), follow=True
    )
    assert "inactive" in response.content.decode()
    assert Connection.objects.get(pk=pending.pk).state == State.PENDING


def test_opening_a_notification_marks_it_read_and_goes_to_the_page(
    cast: Cast, pending, page_as
) -> None:
    from sheetflow.notifications.models import Notification

    note = Notification.objects.get(user=cast.gc_pm)
    response = page_as(cast.gc_pm).post(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "connections:detail", args=[cast.gc_project.pk, pending.pk]
    )
    note.refresh_from_db()
    assert note.read_at is not None
    other = page_as(cast.sub_pm).post(reverse("notifications:open", args=[note.pk]))
    assert other.status_code == 404


def test_the_sync_box_shows_what_the_engine_recorded(cast: Cast, connected, page_as) -> None:
    Connection.objects.filter(pk=connected.pk).update(
        initial_total=200, initial_copied=50, last_error="Upstream blob missing"
    )
    html = (
        page_as(cast.sub_pm)
        .get(reverse("connections:detail", args=[cast.sub_project.pk, connected.pk]))
        .content.decode()
    )
    assert "50 / 200 revisions" in html and 'max="100" value="25"' in html
    assert "Upstream blob missing" in html


def test_the_list_page_refuses_unknown_users_as_the_api_does(cast: Cast, page_as, api_as) -> None:
    from sheetflow.notifications.selectors import connection_list

    before = connection_list(cast.gc_project)
    url = reverse("connections:settings", args=[cast.gc_project.pk])
    page = page_as(cast.gc_pm).post(
        url, {"kind": "connection", "mode": "specific", "users": [cast.gc_admin.pk, 999999]}
    )
    answer = api_as(cast.gc_pm).put(
        f"/projects/{cast.gc_project.pk}/distribution-lists",
        {"connection": {"mode": "specific", "user_ids": [cast.gc_admin.pk, 999999]}},
    )
    assert page.status_code == answer.status_code == 404
    assert answer.json()["detail"] in page.content.decode()
    assert connection_list(cast.gc_project) == before


def test_the_list_page_refuses_an_unknown_mode(cast: Cast, page_as) -> None:
    url = reverse("connections:settings", args=[cast.gc_project.pk])
    page = page_as(cast.gc_pm).post(url, {"kind": "connection", "mode": "some"})
    assert page.status_code == 422
    assert "choose all or specific" in page.content.decode()


def test_the_page_refuses_a_too_long_rejection_reason_as_the_api_does(
    cast: Cast, pending: Connection, page_as, api_as
) -> None:
    from sheetflow.connections.models import MAX_REASON

    detail = reverse("connections:detail", args=[cast.gc_project.pk, pending.pk])
    assert f'maxlength="{MAX_REASON}"' in page_as(cast.gc_pm).get(detail).content.decode()
    url = reverse("connections:reject", args=[cast.gc_project.pk, pending.pk])
    page = page_as(cast.gc_pm).post(url, {"reason": "x" * (MAX_REASON + 1)}, follow=True)
    assert f"Keep the reason under {MAX_REASON:,} characters." in page.content.decode()
    assert Connection.objects.get(pk=pending.pk).state == State.PENDING
    answer = api_as(cast.gc_pm).post(
        f"/connections/{pending.pk}/reject", {"reason": "x" * (MAX_REASON + 1)}
    )
    assert answer.status_code == 422
    assert Connection.objects.get(pk=pending.pk).state == State.PENDING
