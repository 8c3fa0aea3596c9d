"""Who is acting, and why: the context every audit entry is written in.

A request, a command or a test opens an :func:`audit_context`; everything
recorded inside it (explicitly or by tracked models' signals) carries that
user, reason and actor. Contexts nest: an inner context keeps what it does
not override, so ``with audit_context(reason="court order")`` inside a request
still records the request's user.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class AuditContext:
    """The acting user (or ``None`` for the system), the justification and the channel."""

    user: Any = None
    reason: str = ""
    actor: str = ""


#: The frozen dataclass is immutable, so sharing one default is safe.
_NOBODY = AuditContext()
_current: contextvars.ContextVar[AuditContext] = contextvars.ContextVar("netsafe_audit_context")


def current() -> AuditContext:
    """The context audit entries are being written in now."""
    return _current.get(_NOBODY)


@contextmanager
def audit_context(user: Any = None, reason: str = "", actor: str = "") -> Iterator[AuditContext]:
    """Record everything inside the block as done by ``user``, for ``reason``, via ``actor``.

    ``user`` may be a lazy object (the request's user): it is resolved when an
    entry is written, so a log-in during the request is seen.
    """
    outer = current()
    changes: dict[str, Any] = {}
    if user is not None:
        changes["user"] = user
    if reason:
        changes["reason"] = reason
    if actor:
        changes["actor"] = actor
    token = _current.set(replace(outer, **changes))
    try:
        yield current()
    finally:
        _current.reset(token)
