"""The one reading of a distribution list choice, for its page and its API alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sheetflow.accounts.models import User
from sheetflow.common.errors import Invalid, NotFound
from sheetflow.common.request import id_param
from sheetflow.notifications.models import MAX_LIST_USERS, ListMode


@dataclass(frozen=True)
class ListChoice:
    mode: ListMode
    users: list[User]


def list_choice(*, mode: str, user_ids: Sequence[object]) -> ListChoice:
    """The mode and the named users, every one of whom must exist (else NotFound)."""
    if mode not in ListMode.values:
        raise Invalid("mode: choose all or specific.")
    if len(user_ids) > MAX_LIST_USERS:
        raise Invalid(f"user_ids: at most {MAX_LIST_USERS} people.")
    ids = set()
    for value in user_ids:
        pk = id_param(value)
        if pk is None:
            raise Invalid("user_ids: not a user id.")
        ids.add(pk)
    users = list(User.objects.filter(pk__in=ids))
    if len(users) != len(ids):
        raise NotFound("User not found.")
    return ListChoice(mode=ListMode(mode), users=users)
