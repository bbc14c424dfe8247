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
