"""The audit log: who did what to which record, when and why (DPA 2018 s.62).

Public interface, importable from here before the app registry is ready:

- ``record(action, obj=None, *, changes=None, reason="", detail="", user=None)``
  writes one entry explicitly, e.g. ``record("view", subject)``
  (:func:`netsafe.audit.recording.record`);
- ``track(*model_classes)`` logs every create, change and delete of those
  models (:func:`netsafe.audit.recording.track`);
- ``verify()`` walks the hash chain (:func:`netsafe.audit.chain.verify`);
- :func:`netsafe.audit.context.audit_context` says who is acting and why;
- :class:`netsafe.audit.models.AuditEntry` is the append-only, hash-chained log.
"""

from __future__ import annotations

__all__ = ["record", "track", "verify"]


def __getattr__(name: str):
    # Lazy, because the implementations import models, and apps import
    # ``netsafe.audit`` before Django's app registry is ready. Imported by name, so
    # that the import graph (tests/test_imports.py) sees them.
    if name in ("record", "track"):
        from . import recording

        return getattr(recording, name)
    if name == "verify":
        from .chain import verify

        return verify
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
