"""Counting distinct self-help visitors without identifying anyone.

The method (the one Plausible Analytics documents, with a monthly period added):

- No cookie, no local storage, nothing stored on the visitor's device.
- For each period (the day, the month) a random 32-byte salt is made when the
  period's first visitor arrives. It lives only in the cache, never in a
  database or a log, and expires when the period ends.
- A visitor is recognised within the period by an HMAC-SHA-256 of their
  network address (the IPv4 address; for IPv6 the /64 network, since a device
  picks new addresses within it at will) under that period's salt. Headers the
  visitor chooses (the user agent, languages) are not part of it: sending a new
  user agent with each request must not make a new visitor. The digest is held,
  as a cache key only, until the period ends; the IP address itself is never
  stored anywhere. When the period's first view from a digest arrives, the
  period's count in :class:`~netsafe.prevention.models.SelfHelpVisits` goes up
  by one. Only that count is written to the database.
- Because the salt of each period is new and thrown away, digests cannot be
  linked from one day or month to the next, or back to an address once the
  salt is gone.
- A visitor may say where they live (a nation); that counts them once in that
  nation's row for the day and the month, by the same method.

Limits, honestly:

- People sharing one address (a household, an office behind one NAT) count as
  one; one person on two networks counts as two.
- A visitor who comes back in a new month counts again: distinct visitors
  over a year cannot be known without an identifier that lasts a year, which
  is exactly what the service refuses to keep.
- While a period is open, someone holding both the cache's memory and the salt
  could test guessed addresses against the digests. The cache must therefore be
  memory only: the ``prevention`` cache alias when configured (e.g. Redis or
  Memcached shared by the web processes), else ``default``. Never point it at
  a database or file cache. With the default per-process memory cache, each
  process counts on its own, so a multi-process deployment over-counts until
  a shared cache is configured.
- Obvious robots (a user agent naming a bot, crawler or spider, or none at
  all) and browser prefetches are not counted.
- Behind a reverse proxy, ``REMOTE_ADDR`` must be the visitor's address (set by
  the proxy and the WSGI server, e.g. gunicorn's ``--forwarded-allow-ips``);
  otherwise every visitor counts as one.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import ipaddress
import re
import secrets
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import ALL_VISITORS, SelfHelpVisits, VisitPeriod

_ROBOT = re.compile(r"bot|crawl|spider|slurp|preview|monitor|headless", re.IGNORECASE)


def visit_cache():
    """The cache that holds the salts and digests: the ``prevention`` alias, else ``default``."""
    return caches["prevention" if "prevention" in settings.CACHES else "default"]


def _periods(today: date) -> list[tuple[str, date, date]]:
    """(period, first day, last day) of the day and the month holding ``today``."""
    last = calendar.monthrange(today.year, today.month)[1]
    return [
        (VisitPeriod.DAY, today, today),
        (VisitPeriod.MONTH, today.replace(day=1), today.replace(day=last)),
    ]


def _seconds_left(last_day: date) -> int:
    """Seconds until the end of ``last_day`` (local time), at least one."""
    end = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
    return max(1, int((end - timezone.now()).total_seconds()))


def _salt(period: str, start: date, ttl: int) -> bytes:
    key = f"prevention:salt:{period}:{start.isoformat()}"
    cache = visit_cache()
    cache.add(key, secrets.token_hex(32), ttl)  # the first request of the period wins
    salt = cache.get(key)
    if salt is None:  # evicted between the two calls: make a new one, counts carry on
        salt = secrets.token_hex(32)
        cache.set(key, salt, ttl)
    return bytes.fromhex(salt)


def is_robot(request) -> bool:
    """True for requests that announce themselves as robots (or give no user agent),
    and for prefetches, which a browser may make for a page nobody then reads."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    prefetch = "prefetch" in (
        request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
    )
    return not agent or prefetch or bool(_ROBOT.search(agent))


def network_of(address: str) -> str:
    """The network a visitor is counted by: an IPv4 address, or an IPv6 address's /64."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else str(ip)


def count_visit(request, nation: str = ALL_VISITORS) -> bool:
    """Count this visitor once per day and month (in ``nation``'s rows); True if counted new.

    ``nation`` is ``"all"`` for an ordinary page view, or the nation the
    visitor said they live in.
    """
    if is_robot(request):
        return False
    who = network_of(request.META.get("REMOTE_ADDR", "")).encode()
    new_in: list[tuple[str, date]] = []
    for period, start, last_day in _periods(timezone.localdate()):
        ttl = _seconds_left(last_day)
        digest = hmac.new(_salt(period, start, ttl), who, hashlib.sha256).hexdigest()
        if visit_cache().add(f"prevention:seen:{period}:{start}:{nation}:{digest}", 1, ttl):
            new_in.append((period, start))
    if new_in:
        # One transaction for the day's and the month's counters: one commit per visitor.
        with transaction.atomic(using=SelfHelpVisits.objects.db):
            for period, start in new_in:
                _increment(period, start, nation)
    return bool(new_in)


def _increment(period: str, start: date, nation: str) -> None:
    cell = SelfHelpVisits.objects.filter(period=period, start=start, nation=nation)
    if cell.update(visitors=F("visitors") + 1):
        return
    try:
        with transaction.atomic(using=SelfHelpVisits.objects.db):
            SelfHelpVisits.objects.create(period=period, start=start, nation=nation, visitors=1)
    except IntegrityError:  # another request made the row first
        cell.update(visitors=F("visitors") + 1)
