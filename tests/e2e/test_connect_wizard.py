"""A subcontractor's admin connects upstream through the wizard; the contractor reviews."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from sheetflow.connections.models import ApprovalMode, Connection, State
from sheetflow.connections.services import company_setting_update
from tests.cast import Cast


def test_subcontractor_requests_and_contractor_approves_on_the_review_page(
    page: Page, cast: Cast, sign_in, site_url: str, shot
) -> None:
    company_setting_update(user=cast.gc_admin, company=cast.gc, approval_mode=ApprovalMode.REVIEW)

    sign_in(page, cast.sub_pm)
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/")
    page.get_by_role("link", name="Connection Manager").first.click()
    expect(page.get_by_role("heading", name="Connection Manager")).to_be_visible()
    shot(page, "1-connection-manager")

    page.get_by_role("link", name="Connect upstream").click()
    expect(page.locator(".wizard-steps .current")).to_contain_text("Company & project")
    company = page.get_by_label("Upstream company")
    expect(company.locator("optgroup").first).to_have_attribute("label", "Current company")
    company.select_option(label="Apex Builders")
    page.get_by_label("Upstream project").select_option(label="RMC Riverside Medical Center")
    shot(page, "2-pick-company-and-project")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Things to consider")).to_be_visible()
    expect(page.get_by_text("No chaining")).to_be_visible()
    shot(page, "3-considerations")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("your request will be sent for approval")).to_be_visible()
    shot(page, "4-connect")
    page.get_by_role("button", name="Connect").click()

    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    shot(page, "5-request-sent")
    connection = Connection.objects.get(downstream=cast.sub_project)
    assert connection.state == State.PENDING

    # The contractor's Connection Manager admin opens the review page from their notification.
    sign_in(page, cast.gc_pm)
    expect(page.locator(".notif-count")).to_have_text("1")
    page.get_by_role("link", name=re.compile("Notifications")).click()
    shot(page, "6-notifications")
    page.get_by_role("button", name=re.compile("Review request")).click()
    expect(page.get_by_role("heading", name="Review request")).to_be_visible()
    shot(page, "7-review")
    page.get_by_role("button", name="Approve").click()

    expect(page.locator("#connection .badge")).to_have_text("Connected")
    expect(page.locator("#undo-banner")).to_contain_text("Undo approval")
    expect(page.locator("#history")).to_contain_text("Approved")
    shot(page, "8-approved")

    # Both sides see the connection.
    page.goto(f"{site_url}/projects/{cast.gc_project.pk}/connections/")
    expect(page.locator("#downstreams")).to_contain_text("Riverside Electrical")
    shot(page, "9-contractor-downstreams")
    sign_in(page, cast.sub_pm)
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/connections/")
    expect(page.locator("#upstream")).to_contain_text("Riverside Medical Center")
    expect(page.locator("#upstream .badge")).to_have_text("Connected")
    shot(page, "10-subcontractor-upstream")
