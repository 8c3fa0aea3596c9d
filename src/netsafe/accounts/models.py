"""Forces and users."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import POLICE_ROLES, PREVENTION_ROLES, Role


class Force(models.Model):
    """A police force taking part in the operation."""

    slug = models.SlugField(unique=True, help_text="Used in returns, e.g. south-wales")
    name = models.CharField(max_length=100, unique=True)
    contact = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who another force should call about a shared subject (a desk, not a person)",
    )
    #: Relative size, used to spread the demo operation and by-force tables.
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _known_roles(names: Iterable[str]) -> frozenset[str]:
    """The role names among group ``names`` (other groups are no role)."""
    return frozenset(n for n in names if n in Role.values)


class NetSafeUserManager(UserManager):
    """Django's user manager (the migrations name this class)."""


class User(AbstractUser):
    """A person who logs in: a police user belongs to a force; charity staff to none."""

    force = models.ForeignKey(
        Force, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    #: The language of the user's pages: ``en-gb``, ``cy``, or blank for the browser's choice.
    language = models.CharField(
        _("Language"),
        max_length=8,
        blank=True,
        default="",
        choices=[("en-gb", "English"), ("cy", "Cymraeg")],
    )

    objects = NetSafeUserManager()

    class Meta:
        ordering = ["username"]

    @cached_property
    def roles(self) -> frozenset[str]:
        """The names of this user's roles (cached for the request)."""
        if not self.pk:
            return frozenset()
        return _known_roles(self.groups.values_list("name", flat=True))

    def remember_roles(self, names: Iterable[str]) -> None:
        """Keep ``names`` (the user's groups, read with the user) as :attr:`roles`."""
        self.__dict__["roles"] = _known_roles(names)

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of ``roles``."""
        return bool(self.roles.intersection(roles))

    def set_roles(self, roles: Iterable[str]) -> None:
        """Replace the user's roles (creating the role groups when needed)."""
        from django.contrib.auth.models import Group

        wanted = set(roles)
        unknown = wanted - set(Role.values)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        if wanted & POLICE_ROLES and wanted & PREVENTION_ROLES:
            # The helpline's promise: no police user can read it.
            raise ValueError("a user cannot hold both police and prevention roles")
        groups = [Group.objects.get_or_create(name=r)[0] for r in sorted(wanted)]
        self.groups.set(groups)
        self.__dict__.pop("roles", None)

    @property
    def is_prevention(self) -> bool:
        return bool(self.roles & PREVENTION_ROLES)


class RoleGrant(models.Model):
    """Roles (and force) an administrator asked to give a user, awaiting a second administrator.

    The two-person rule: police and charity roles open casework or the helpline, so
    one administrator cannot give them alone (to anyone, themselves included). The
    request holds the whole role set and force wanted; another administrator
    approves (then it is applied) or rejects it, and the first is told on their
    next page.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    roles = models.JSONField(help_text="the user's whole role set once approved")
    force = models.ForeignKey(Force, null=True, blank=True, on_delete=models.PROTECT)
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="role_grants_requested"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_grants_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="when the requesting administrator was told"
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"roles {', '.join(self.roles)} for {self.user} ({self.get_status_display()})"
