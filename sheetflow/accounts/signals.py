"""A deactivated user's tokens die with the deactivation, however it is made (admin, shell)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from sheetflow.accounts.models import User
from sheetflow.accounts.services import tokens_revoke_all


@receiver(post_save, sender=User)
def _revoke_tokens_of_inactive_users(sender: type[User], instance: User, **kwargs: Any) -> None:
    if not instance.is_active:
        tokens_revoke_all(user=instance)
