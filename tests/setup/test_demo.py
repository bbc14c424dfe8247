"""`sheetflow demo` (what `make run` loads): the sign-ins it prints work, and it is safe to
run again."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from sheetflow import demo
from sheetflow.accounts.models import User
from sheetflow.connections.models import Connection, State
from sheetflow.drawings.models import Revision
from sheetflow.projects.models import Project, ProjectMember

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "projects": Project.objects.count(),
        "members": ProjectMember.objects.count(),
        "revisions": Revision.objects.count(),
        "connections": Connection.objects.count(),
    }


def test_the_demo_prints_sign_ins_that_work_and_loads_once(
    drain_tasks: Callable[..., int],
) -> None:
    out = StringIO()
    call_command("demo", stdout=out)
    printed = out.getvalue()
    for user in demo.USERS:
        assert user.email in printed
        assert authenticate(username=user.email, password=demo.PASSWORD) is not None
    assert demo.PASSWORD in printed

    mechanical = Connection.objects.get(downstream__code="CM-RMC")
    assert mechanical.state == State.CONNECTED and mechanical.upstream.code == "RMC"
    drain_tasks()
    published = Revision.objects.filter(project__code="RMC", is_published=True).count()
    assert published > 0
    assert Revision.objects.filter(project__code="CM-RMC").count() == published

    before = counts()
    call_command("demo", stdout=StringIO())
    assert counts() == before
