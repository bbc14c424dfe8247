"""Reads for companies and users, scoped by the acting user."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sheetflow.accounts.models import Company, User
from sheetflow.common.errors import NotFound


def companies_for(*, user: User) -> QuerySet[Company]:
    """The user's own company, then companies owning projects whose directory lists them."""
    return (
        Company.objects.filter(Q(pk=user.company_id) | Q(projects__members__user=user))
        .distinct()
        .order_by("name", "pk")
    )


def company_get(*, user: User, company_id: int) -> Company:
    company = companies_for(user=user).filter(pk=company_id).first()
    if company is None:
        raise NotFound("Company not found.")
    return company


def user_by_email(*, email: str) -> User:
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise NotFound(f"No active user has the email {email.strip()}.", code="user_not_found")
    return user
