"""The audit log: append-only and hash-chained.

Each :class:`AuditEntry` stores a SHA-256 over a canonical JSON of its own
fields and the previous entry's hash, so altering or removing any entry breaks
every link after it (``netsafe audit verify`` finds the first). Entries are
stored by :func:`netsafe.audit.chain.append` only; the model refuses saves,
updates and deletes; on PostgreSQL a trigger refuses them in the
database too. :class:`ChainHead` is one row holding the last sequence number
and hash: writers lock it, so concurrent writers never fork the chain, and
removing the newest entries is detected.
"""

from __future__ import annotations

from django.db import models

GENESIS_HASH = "0" * 64


class AuditLogImmutable(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class Action(models.TextChoices):
    """The actions NetSafe records; :func:`netsafe.audit.record` accepts others too."""

    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    VIEW = "view", "Viewed"
    SEARCH = "search", "Searched"
    EXPORT = "export", "Exported"
    DISCLOSE = "disclose", "Disclosed"
    VERIFY = "verify", "Checked the audit chain"
    LOGIN = "login", "Logged in"
    LOGOUT = "logout", "Logged out"
    LOGIN_FAILED = "login-failed", "Failed log-in"
    # Recorded by the areas (record(...) with these names).
    LIST = "list", "Listed"
    GRADE = "grade", "Graded an image"
    TRIAGE_QUEUE = "triage-queue", "Queued a triage"
    STATS = "stats", "Read the statistics"
    RETURNS_IMPORT = "returns import", "Imported a return"
    RETURNS_EXPORT = "returns export", "Exported returns"
    GRANT_REQUESTED = "grant-requested", "Asked for roles"
    DEMO_LOAD = "demo load", "Loaded the demo"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogImmutable("audit entries cannot be changed")

    def delete(self):
        raise AuditLogImmutable("audit entries cannot be deleted")

    def visible_to(self, user) -> AuditEntryQuerySet:
        """Entries ``user`` may read (the gate's ``read`` on ``audit``): every entry for
        administrators (whose view of content is withheld entry by entry, see
        :func:`netsafe.accounts.permissions.holds_content`), their force's for supervisors.

        A supervisor's force's entries are those made by its users and those
        about its records (e.g. the operation lead reading one of its subjects).
        """
        from netsafe.accounts.permissions import READ, allowed, is_admin, supervised_force

        if not allowed(user, READ, "audit"):
            return self.none()
        if is_admin(user):
            return self.all()
        slug = supervised_force(user)
        return self.filter(models.Q(force=slug) | models.Q(object_force=slug))


class AuditEntry(models.Model):
    """One thing that happened to personal data: who, when, what, to which record, and why."""

    seq = models.PositiveBigIntegerField("number", unique=True, editable=False)
    at = models.DateTimeField("time", db_index=True, editable=False)
    user_id = models.BigIntegerField("user id", null=True, blank=True, editable=False)
    username = models.CharField(max_length=150, blank=True, db_index=True, editable=False)
    force = models.CharField(
        "user's force", max_length=50, blank=True, db_index=True, editable=False
    )
    action = models.CharField(max_length=32, db_index=True, editable=False)
    model = models.CharField("record type", max_length=100, blank=True, db_index=True)
    object_id = models.CharField("record id", max_length=64, blank=True, editable=False)
    object_repr = models.CharField("record", max_length=200, blank=True, editable=False)
    object_force = models.CharField(
        "record's force", max_length=50, blank=True, db_index=True, editable=False
    )
    changes = models.JSONField(
        default=dict, blank=True, editable=False, help_text="{field: [old, new]}"
    )
    detail = models.CharField(
        max_length=500, blank=True, editable=False, help_text="e.g. the terms of a search"
    )
    reason = models.TextField(blank=True, editable=False)
    recipient = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text="who received the data, for a disclosure (DPA 2018 s.62(3)(c))",
    )
    actor = models.CharField(
        "channel", max_length=200, blank=True, editable=False, help_text="page, API or command"
    )
    prev_hash = models.CharField("previous hash", max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        who = self.username or "system"
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        """Refused: :func:`netsafe.audit.chain.append` is the one way to store an entry.

        It gives the entry its place in the chain (sequence number, previous hash,
        hash) under the chain head's lock; an entry already stored cannot change.
        """
        if not self._state.adding:
            raise AuditLogImmutable(f"audit entry #{self.seq} cannot be changed")
        raise AuditLogImmutable("audit entries are stored by netsafe.audit.chain.append")

    def delete(self, *args, **kwargs):
        raise AuditLogImmutable(f"audit entry #{self.seq} cannot be deleted")

    @property
    def action_label(self) -> str:
        """The action in words (known actions) or as recorded."""
        try:
            return Action(self.action).label
        except ValueError:
            return self.action


class ChainHead(models.Model):
    """The newest link of the chain: one row, locked by every writer."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = "audit chain head"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
