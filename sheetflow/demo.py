"""Idempotent demo data: a general contractor, two subcontractors, their people and projects."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from sheetflow.accounts.models import Company, User
from sheetflow.accounts.services import company_create, user_create
from sheetflow.connections.models import Connection
from sheetflow.connections.services import connection_request
from sheetflow.drawings.demo import load as load_drawings
from sheetflow.projects.models import Level, Project, ProjectMember
from sheetflow.projects.services import member_add, project_create

PASSWORD = "sheetflow-demo"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    company: str
    company_admin: bool = False


COMPANIES = ["Apex Builders", "Brightline Electric", "Cornerstone Mechanical"]

USERS = [
    DemoUser("alice@apex.example", "Alice Porter", "Apex Builders", company_admin=True),
    DemoUser("gary@apex.example", "Gary Holt", "Apex Builders"),
    DemoUser("grace@apex.example", "Grace Lin", "Apex Builders"),
    DemoUser("ben@brightline.example", "Ben Ortiz", "Brightline Electric", company_admin=True),
    DemoUser("bella@brightline.example", "Bella Shaw", "Brightline Electric"),
    DemoUser("carl@cornerstone.example", "Carl Young", "Cornerstone Mechanical", True),
    DemoUser("cora@cornerstone.example", "Cora Diaz", "Cornerstone Mechanical"),
]

# (company, code, name)
PROJECTS = [
    ("Apex Builders", "RMC", "Riverside Medical Center"),
    ("Apex Builders", "HVO", "Harbor View Offices"),
    ("Brightline Electric", "BE-RMC", "Riverside Medical Center — Electrical"),
    ("Cornerstone Mechanical", "CM-RMC", "Riverside Medical Center — HVAC"),
]

A, S, R, N = Level.ADMIN, Level.STANDARD, Level.READ_ONLY, Level.NONE
# (project code, email, drawings, connection manager)
MEMBERS = [
    ("RMC", "gary@apex.example", A, A),
    ("RMC", "grace@apex.example", S, R),
    ("RMC", "ben@brightline.example", R, N),
    ("RMC", "bella@brightline.example", R, N),
    ("RMC", "carl@cornerstone.example", R, N),
    ("RMC", "cora@cornerstone.example", R, N),
    ("HVO", "gary@apex.example", A, A),
    ("BE-RMC", "bella@brightline.example", A, A),
    ("CM-RMC", "cora@cornerstone.example", A, A),
]


@transaction.atomic
def load() -> list[DemoUser]:
    """Create whatever of the demo data is missing; returns the demo users."""
    companies = {}
    for name in COMPANIES:
        company = Company.objects.filter(name=name).first()
        companies[name] = company or company_create(name=name)
    users = {}
    for u in USERS:
        user = User.objects.filter(email=u.email).first()
        users[u.email] = user or user_create(
            email=u.email,
            full_name=u.name,
            company=companies[u.company],
            password=PASSWORD,
            is_company_admin=u.company_admin,
        )
    projects = {}
    for company_name, code, name in PROJECTS:
        company = companies[company_name]
        project = Project.objects.filter(company=company, code=code).first()
        projects[code] = project or project_create(company=company, name=name, code=code)
    for code, email, drawings, connection_manager in MEMBERS:
        if not ProjectMember.objects.filter(project=projects[code], user=users[email]).exists():
            member_add(
                project=projects[code],
                user=users[email],
                drawings=drawings,
                connection_manager=connection_manager,
            )
    load_drawings(project=projects["RMC"], user=users["gary@apex.example"])
    _connect_mechanical(projects["CM-RMC"], projects["RMC"], users["cora@cornerstone.example"])
    return USERS


def _connect_mechanical(downstream: Project, upstream: Project, user: User) -> None:
    """Cornerstone's project follows the contractor's (auto-approved): the worker copies the
    published sheets as soon as it runs. Brightline's project is left for the wizard."""
    if not Connection.objects.filter(downstream=downstream).exists():
        connection_request(user=user, downstream=downstream, upstream=upstream)
