"""What the returns keep besides the casework records: each import, and each record as sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from netsafe.accounts.models import Force

from .schema import SPECS


class ReturnImport(models.Model):
    """One return file stored (a rejected file leaves nothing, not even this)."""

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: ``{type: {"added": n, "replaced": n, "unchanged": n}}``.
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.sha256[:12]})"


class ReturnRecord(models.Model):
    """A record as the force last sent it, unknown fields included, so export gives it back."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=30, choices=[(t, t) for t in SPECS])
    ref = models.CharField(max_length=40)
    #: The record's fields other than ``type``, ``force`` and ``ref``, exactly as sent.
    data = models.JSONField(default=dict)
    last_import = models.ForeignKey(ReturnImport, on_delete=models.PROTECT, related_name="records")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "type", "ref"], name="returns_record_key")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.ref}"
