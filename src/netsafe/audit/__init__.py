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

from importlib import import_module

_LAZY = {"record": "recording", "track": "recording", "verify": "chain"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    # Lazy, because the implementations import models, and apps import
    # ``netsafe.audit`` before Django's app registry is ready.
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
