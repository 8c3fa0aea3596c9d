"""Loading the demo: what ``netsafe demo`` does after migrating.

:func:`load` writes the demo users (:mod:`.users`), the operation's casework
(:mod:`.operation`) and the prevention service's demo
(:func:`netsafe.prevention.demo.load`). Loading twice changes nothing.
"""

from __future__ import annotations

import sys
from typing import TextIO

from netsafe.audit import record
from netsafe.audit.context import audit_context

from . import operation
from .users import check_password_for_everyone, demo_password, demo_users, ensure_users


def load(scale: int = 1, stdout: TextIO | None = None, *, prevention: bool = True) -> dict:
    """Load the demo into the configured databases (already migrated); return a summary.

    ``scale`` > 1 adds copies of the operation (for benchmarks). ``prevention``
    also loads the charity's demo log and users. Progress goes to ``stdout``.
    Raises :class:`DemoError` when the demo may not be loaded (the default
    password in production, a password the validators refuse).
    """
    out = stdout or sys.stdout
    password = demo_password()
    # Every demo user gets this password: refuse it now, before a single record is
    # written, if the validators refuse it for any one of them.
    usernames = [spec.username for spec in demo_users()]
    if prevention:
        from netsafe.prevention.demo import DEMO_USERS

        usernames += list(DEMO_USERS)
    check_password_for_everyone(password, usernames)
    with audit_context(actor="command: netsafe demo", reason="demo load"):
        users = ensure_users(password)
        officers = {slug: users[f"{slug}-officer"].pk for slug in operation.FORCES}
        out.write(f"Writing the synthetic operation (scale {scale})...\n")
        written = operation.load_operation(
            scale, officers, progress=lambda line: out.write(line + "\n")
        )
        created = ", ".join(f"{n} {name}" for name, n in sorted(written.created.items()) if n)
        record(
            "demo load",
            detail=f"scale {scale}: {written.total_created} records created"
            + (f" ({created})" if created else "; everything was already there"),
        )
    summary = {
        "users": sorted(users),
        "created": dict(written.created),
        "existing": dict(written.existing),
        "alerts": written.alerts,
    }
    if prevention:
        from netsafe.prevention import demo as prevention_demo

        out.write("Loading the prevention service's demo...\n")
        summary["prevention"] = prevention_demo.load(password=password)
        summary["users"] += summary["prevention"]["users"]
    return summary
