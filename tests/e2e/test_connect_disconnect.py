"""Disconnecting in the browser: acknowledgement and reason, seen in both sides' history."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from sheetflow.connections.models import Connection, State
from sheetflow.connections.services import connection_request
from tests.cast import Cast


def test_contractor_disconnects_with_a_reason_and_both_see_it(
    page: Page, cast: Cast, sign_in, site_url: str, shot
) -> None:
    conn = connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )
    sign_in(page, cast.gc_pm)
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/connections/")
    page.locator("#downstreams").get_by_role("link", name="Disconnect").click()
    expect(page.get_by_role("heading", name="Disconnect")).to_be_visible()
    page.get_by_label("Reason (required)").fill("Our contract with Brightline ended.")
    shot(page, "1-disconnect-form")
    page.get_by_role("button", name="Disconnect").click()
    # The browser itself refuses without the acknowledgement; tick it and confirm.
    assert Connection.objects.get(pk=conn.pk).state == State.CONNECTED
    page.get_by_label("I understand that disconnecting is permanent.").check()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.locator("#connection .badge")).to_have_text("Disconnected")
    expect(page.locator("#history")).to_contain_text("Our contract with Brightline ended.")
    shot(page, "2-disconnected")

    sign_in(page, cast.sub_pm)
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/connections/")
    expect(page.locator("#upstream")).to_contain_text("can never connect again")
    expect(page.locator("#past")).to_contain_text("Disconnected")
    shot(page, "3-subcontractor-manager")
    page.locator("#past").get_by_role("link", name="History").click()
    expect(page.locator("#history")).to_contain_text("Our contract with Brightline ended.")
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/connections/settings/")
    shot(page, "4-distribution-lists")
    page.goto(f"{site_url}/company/settings/")
    shot(page, "5-company-setting")
