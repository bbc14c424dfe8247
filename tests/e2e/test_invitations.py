"""In the browser: a company admin invites someone of another company, who accepts."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sheetflow.accounts.models import User
from sheetflow.projects.models import ProjectMember
from tests.cast import Cast


@pytest.mark.django_db(transaction=True)
def test_an_invited_person_joins_the_directory_by_accepting(
    page: Page,
    site_url: str,
    cast: Cast,
    sign_in: Callable[[Page, User], None],
    shot: Callable[[Page, str], Path],
) -> None:
    project = cast.gc_project
    sign_in(page, cast.gc_admin)
    page.goto(f"{site_url}/projects/{project.pk}/directory/")
    page.get_by_label("Email of the person to add").fill(cast.outsider.email)
    page.get_by_label("Drawings", exact=True).select_option(label="Standard")
    page.get_by_role("button", name="Add or invite").click()
    expect(page.get_by_text(f"Invitation sent to {cast.outsider.email}")).to_be_visible()
    expect(page.locator("#invitations")).to_contain_text(cast.outsider.email)
    expect(page.locator("#directory")).not_to_contain_text("Olga Nash")
    shot(page, "1-invited")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "1-invited-phone")
    page.set_viewport_size({"width": 1280, "height": 860})

    sign_in(page, cast.outsider)
    expect(page.locator("#invitation-banner")).to_contain_text("1 invitation")
    page.goto(f"{site_url}/notifications/")
    expect(page.locator("#notifications")).to_contain_text('"Riverside Medical Center"')
    page.goto(f"{site_url}/projects/")
    page.locator("#invitation-banner a").click()
    page.get_by_role("link", name=re.compile("Riverside Medical Center")).click()
    expect(page.locator("#invitation")).to_contain_text("Alice Porter")
    shot(page, "2-invitation")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "2-invitation-phone")
    page.goto(f"{site_url}/accounts/tokens/")
    shot(page, "2-tokens-phone")
    page.set_viewport_size({"width": 1280, "height": 860})
    shot(page, "2-tokens")
    page.go_back()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("You joined Riverside Medical Center.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/$"))
    shot(page, "3-joined")
    member = ProjectMember.objects.get(project=project, user=cast.outsider)
    assert member.drawings == 2
