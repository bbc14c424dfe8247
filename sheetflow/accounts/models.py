"""Companies, the people who work for them, and their personal API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.auth.password_validation import validate_password
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Company(models.Model):
    """A customer account: the employer of users and the owner of projects."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        """Create a user; a password must pass the validators (None: no password sign-in)."""
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password is not None:
            # Every way of creating a user (service, CLI, createsuperuser) passes through here.
            validate_password(password, user)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if "company" not in extra and "company_id" not in extra:
            extra["company"], _ = Company.objects.get_or_create(name="Sheetflow operators")
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person; belongs to exactly one company, whose admin they may be."""

    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="users")
    # Company membership: a company admin acts as admin on every tool of the company's projects.
    is_company_admin = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    FULL = "full", "Read and write"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored, the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise it")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires")
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.FULL)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class SignInThrottle(models.Model):
    """Failed sign-ins counted for one key: an (email, client) pair or a client address.

    Past a few free failures each further one makes the key wait longer (1 s, 2 s, 4 s … up
    to a cap) instead of locking the account: the owner signing in from elsewhere is a
    different pair. Attempts are counted *before* the password is checked, in one locked
    row, so parallel guesses cannot slip past the count.
    """

    key = models.CharField(max_length=340, unique=True)
    failures = models.PositiveIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"
