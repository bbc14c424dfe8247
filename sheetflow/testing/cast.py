"""The shared cast: companies, people and projects every test can lean on, built by services.

- Apex Builders (general contractor): `gc_admin` (company admin), `gc_pm` (admin on both
  tools of `gc_project`), `gc_reader` (read-only on drawings).
- Brightline Electric (subcontractor): `sub_admin` (company admin), `sub_pm` (admin on both
  tools of `sub_project`, read-only on drawings in `gc_project`).
- Outsider Co: `outsider`, in no project.
"""

from __future__ import annotations

from dataclasses import dataclass

from sheetflow.accounts.models import Company, User
from sheetflow.accounts.services import company_create, user_create
from sheetflow.projects.models import Level, Project
from sheetflow.projects.services import member_add, project_create

PASSWORD = "correct horse battery staple"


@dataclass
class Cast:
    gc: Company
    sub: Company
    other: Company
    gc_admin: User
    gc_pm: User
    gc_reader: User
    sub_admin: User
    sub_pm: User
    outsider: User
    gc_project: Project
    sub_project: Project


def person(company: Company, email: str, name: str, *, admin: bool = False) -> User:
    return user_create(
        email=email, full_name=name, company=company, password=PASSWORD, is_company_admin=admin
    )


def build_cast() -> Cast:
    gc = company_create(name="Apex Builders")
    sub = company_create(name="Brightline Electric")
    other = company_create(name="Outsider Co")
    gc_admin = person(gc, "alice@apex.test", "Alice Porter", admin=True)
    gc_pm = person(gc, "gary@apex.test", "Gary Holt")
    gc_reader = person(gc, "grace@apex.test", "Grace Lin")
    sub_admin = person(sub, "ben@brightline.test", "Ben Ortiz", admin=True)
    sub_pm = person(sub, "bella@brightline.test", "Bella Shaw")
    outsider = person(other, "olga@outsider.test", "Olga Nash")
    gc_project = project_create(company=gc, name="Riverside Medical Center", code="RMC")
    sub_project = project_create(company=sub, name="Riverside Electrical", code="BE-RMC")
    member_add(
        project=gc_project,
        user=gc_pm,
        drawings=Level.ADMIN,
        connection_manager=Level.ADMIN,
    )
    member_add(project=gc_project, user=gc_reader, drawings=Level.READ_ONLY)
    member_add(project=gc_project, user=sub_pm, drawings=Level.READ_ONLY)
    member_add(
        project=sub_project,
        user=sub_pm,
        drawings=Level.ADMIN,
        connection_manager=Level.ADMIN,
    )
    return Cast(
        gc=gc,
        sub=sub,
        other=other,
        gc_admin=gc_admin,
        gc_pm=gc_pm,
        gc_reader=gc_reader,
        sub_admin=sub_admin,
        sub_pm=sub_pm,
        outsider=outsider,
        gc_project=gc_project,
        sub_project=sub_project,
    )
