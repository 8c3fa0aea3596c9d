"""A slow-down per user name, beside django-axes' lock-out per user name *and* address.

Axes locks a user name out for 15 minutes after five wrong passwords from one
address. Locking by the name alone would let anyone lock any officer out by
typing five wrong passwords; locking only by name and address lets a guesser
spread tries over many addresses. So, by the name alone, there is a slow-down:
after five failures from any addresses within the cool-off time, each further
try must wait a growing time since the last failure (1, 2, 4 ... seconds, at most
``NETSAFE_LOGIN_SLOWDOWN_MAX``). The real user waits a minute at worst; a
guesser gets about one try a minute per name.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone


def wait_seconds(username: str) -> int:
    """Seconds the next sign-in as ``username`` must wait (0: it may try now)."""
    if not username or not getattr(settings, "AXES_ENABLED", False):
        return 0
    from axes.models import AccessAttempt

    now = timezone.now()
    cooloff = timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    seen = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - cooloff)
    totals = seen.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    failures = totals["failures"] or 0
    limit = int(settings.AXES_FAILURE_LIMIT)
    if failures < limit or totals["last"] is None:
        return 0
    cap = int(getattr(settings, "NETSAFE_LOGIN_SLOWDOWN_MAX", 60))
    delay = min(2 ** min(failures - limit, 16), cap)
    remaining = delay - (now - totals["last"]).total_seconds()
    return math.ceil(remaining) if remaining > 0 else 0
