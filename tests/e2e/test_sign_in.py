"""The first browser walk: sign in through the real page and see one's projects."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.cast import Cast


def test_a_member_signs_in_and_sees_their_projects_grouped_by_company(
    page: Page, cast: Cast, sign_in, site_url: str, shot
) -> None:
    page.goto(f"{site_url}/")
    expect(page.get_by_role("heading", name="Sign in to Sheetflow")).to_be_visible()
    shot(page, "sign-in")

    sign_in(page, cast.sub_pm)

    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    groups = page.locator(".company-group h2")
    # Own company first, then the general contractor whose directory lists them.
    expect(groups.nth(0)).to_contain_text("Brightline Electric")
    expect(groups.nth(1)).to_contain_text("Apex Builders")
    expect(page.get_by_text("Riverside Electrical")).to_be_visible()
    expect(page.get_by_text("Riverside Medical Center")).to_be_visible()
    shot(page, "projects")


def test_a_wrong_password_is_refused_with_a_message(page: Page, cast: Cast, site_url: str) -> None:
    page.goto(f"{site_url}/accounts/sign-in/")
    page.get_by_label("Email").fill(cast.sub_pm.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
