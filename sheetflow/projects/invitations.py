"""Directory invitations: adding someone of another company needs their consent.

The inviter learns nothing about the address they typed: an invitation is created the same
way whether or not it belongs to an account. The person with that email (now, or once they
have an account) sees it under their invitations and becomes a member only by accepting.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from sheetflow.accounts.models import User
from sheetflow.common.errors import Conflict, NotFound, ServiceError
from sheetflow.projects import signals
from sheetflow.projects.models import (
    Invitation,
    InvitationState,
    Level,
    Project,
    ProjectMember,
)
from sheetflow.projects.services import member_add


def _normalise(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ServiceError("Enter a valid email address.", code="invalid_email") from exc
    return email


def directory_add(
    *,
    project: Project,
    email: str,
    invited_by: User,
    drawings: Level = Level.READ_ONLY,
    connection_manager: Level = Level.NONE,
) -> ProjectMember | Invitation:
    """Add a colleague of the project's company directly; invite anybody else."""
    email = _normalise(email)
    colleague = User.objects.filter(
        email__iexact=email, company_id=project.company_id, is_active=True
    ).first()
    if colleague is not None:
        return member_add(
            project=project,
            user=colleague,
            drawings=drawings,
            connection_manager=connection_manager,
        )
    return invitation_create(
        project=project,
        email=email,
        invited_by=invited_by,
        drawings=drawings,
        connection_manager=connection_manager,
    )


def invitation_create(
    *,
    project: Project,
    email: str,
    invited_by: User,
    drawings: Level = Level.READ_ONLY,
    connection_manager: Level = Level.NONE,
) -> Invitation:
    """Invite an email to a project's directory (in-app and by email if it is an account)."""
    email = _normalise(email)
    invitee = User.objects.filter(email__iexact=email, is_active=True).first()
    if invitee is not None and ProjectMember.objects.filter(project=project, user=invitee).exists():
        raise Conflict(f"{email} is already in this project.", code="member_exists")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                project=project,
                email=email,
                invited_by=invited_by,
                drawings=Level(drawings),
                connection_manager=Level(connection_manager),
            )
            if invitee is not None:
                signals.invitation_created.send(sender=None, invitation=invitation, invitee=invitee)
    except IntegrityError as exc:
        raise Conflict(f"{email} is already invited to this project.", code="invited") from exc
    return invitation


def invitations_pending_for(*, user: User) -> QuerySet[Invitation]:
    """The invitations waiting for this user's answer (matched by their email)."""
    return (
        Invitation.objects.filter(email__iexact=user.email, state=InvitationState.PENDING)
        .select_related("project", "project__company", "invited_by")
        .order_by("-created_at", "-pk")
    )


def invitations_of(*, project: Project) -> QuerySet[Invitation]:
    """A project's pending invitations, as the inviters typed them."""
    return Invitation.objects.filter(project=project, state=InvitationState.PENDING).order_by(
        "-created_at", "-pk"
    )


def invitation_for_invitee(*, user: User, invitation_id: int) -> Invitation:
    invitation = invitations_pending_for(user=user).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("Invitation not found.")
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, invitation_id: int) -> ProjectMember:
    """Accept an invitation: the user joins the directory with the levels offered."""
    invitation = invitation_for_invitee(user=user, invitation_id=invitation_id)
    # The state change is a compare-and-set so two accepts (or accept and cancel) cannot both win.
    won = Invitation.objects.filter(pk=invitation.pk, state=InvitationState.PENDING).update(
        state=InvitationState.ACCEPTED, decided_at=timezone.now()
    )
    if not won:
        raise NotFound("Invitation not found.")
    existing = ProjectMember.objects.filter(project=invitation.project, user=user).first()
    if existing is not None:
        return existing
    return member_add(
        project=invitation.project,
        user=user,
        drawings=Level(invitation.drawings),
        connection_manager=Level(invitation.connection_manager),
    )


def invitation_decline(*, user: User, invitation_id: int) -> Invitation:
    """Decline an invitation; the inviter only sees that it is no longer pending."""
    invitation = invitation_for_invitee(user=user, invitation_id=invitation_id)
    Invitation.objects.filter(pk=invitation.pk, state=InvitationState.PENDING).update(
        state=InvitationState.DECLINED, decided_at=timezone.now()
    )
    invitation.refresh_from_db()
    return invitation


def invitation_cancel(*, project: Project, invitation_id: int) -> None:
    """Withdraw a pending invitation of a project."""
    updated = Invitation.objects.filter(
        pk=invitation_id, project=project, state=InvitationState.PENDING
    ).update(state=InvitationState.CANCELLED, decided_at=timezone.now())
    if not updated:
        raise NotFound("Invitation not found.")
