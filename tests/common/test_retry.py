"""A deadlock victim runs again, a bounded number of times; other errors stand."""

from __future__ import annotations

import pytest
from django.db import OperationalError, transaction

from sheetflow.common.retry import ATTEMPTS, retry_deadlocks, retrying


class _Cause(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _db_error(sqlstate: str) -> OperationalError:
    error = OperationalError("deadlock detected" if sqlstate == "40P01" else "other")
    error.__cause__ = _Cause(sqlstate)
    return error


class Flaky:
    def __init__(self, failures: int, sqlstate: str = "40P01") -> None:
        self.failures = failures
        self.sqlstate = sqlstate
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise _db_error(self.sqlstate)
        return "done"


def test_a_deadlock_victim_runs_again_until_it_succeeds() -> None:
    flaky = Flaky(failures=2)
    assert retry_deadlocks(flaky) == "done"
    assert flaky.calls == 3


def test_it_gives_up_after_a_bounded_number_of_attempts() -> None:
    flaky = Flaky(failures=ATTEMPTS)
    with pytest.raises(OperationalError):
        retry_deadlocks(flaky)
    assert flaky.calls == ATTEMPTS


def test_other_database_errors_are_not_retried() -> None:
    flaky = Flaky(failures=1, sqlstate="08006")
    with pytest.raises(OperationalError):
        retry_deadlocks(flaky)
    assert flaky.calls == 1


@pytest.mark.django_db
def test_inside_an_outer_transaction_the_error_goes_to_its_owner() -> None:
    flaky = Flaky(failures=1)
    with pytest.raises(OperationalError), transaction.atomic():
        retrying(flaky)()
    assert flaky.calls == 1


@pytest.mark.django_db(transaction=True)
def test_a_request_chosen_as_deadlock_victim_is_answered_by_running_it_again(
    cast, api_as, monkeypatch
) -> None:
    from sheetflow.drawings import services
    from sheetflow.drawings.models import Revision
    from tests.drawings.factories import upload_sheets

    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    real = services.revisions_set_published
    flaky = Flaky(failures=1)

    def publish_once_a_victim(**kwargs):
        flaky()
        return real(**kwargs)

    monkeypatch.setattr(services, "revisions_set_published", publish_once_a_victim)
    response = api_as(cast.gc_pm).post(
        f"/projects/{cast.gc_project.pk}/revisions/publish", {"revision_ids": [revision.pk]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1
    assert flaky.calls == 2
    assert Revision.objects.get(pk=revision.pk).is_published
