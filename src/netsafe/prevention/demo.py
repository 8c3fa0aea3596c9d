"""Demo users and a synthetic helpline log consistent with what was published.

Published: 900 people from Wales used the helpline or the self-help in the 12
months before 1 November 2016, and 1,350 in the 12 months after (50% more).
The demo splits each year into helpline callers from Wales (a third) and
self-help visitors who said they live in Wales (two thirds), with a seasonal
monthly pattern, a step at launch and a peak in the launch month, returning
callers with codes, callers from elsewhere in the UK and a few escalations,
and three more months at the new level to the operation's figures of January
2018, so that monthly series run from the year before launch to its end.
Everything is generated from a fixed seed, so the data are the same each time.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from netsafe.accounts.roles import Role

from .aggregates import before_after
from .choices import (
    CallerType,
    Channel,
    Concern,
    ContactLanguage,
    EscalatedTo,
    HeardFrom,
    Offending,
    Offer,
    Region,
    Topic,
)
from .identifiers import CODE_WORDS, validate_caller_code
from .models import (
    ALL_VISITORS,
    Contact,
    Escalation,
    Release,
    SelfHelpVisits,
    validate_offered,
    validate_topics,
)
from .periods import add_months

DEMO_USERS = {
    "helpline-handler": Role.CALL_HANDLER,
    "helpline-supervisor": Role.HELPLINE_SUPERVISOR,
    "charity-analyst": Role.CHARITY_ANALYST,
}
BEFORE = (date(2015, 11, 1), date(2016, 10, 31))
AFTER = (date(2016, 11, 1), date(2017, 10, 31))
#: The operation's last months, to its figures of 19 January 2018 (for monthly series).
TAIL = (date(2017, 11, 1), date(2018, 1, 31))
#: Distinct people from Wales per period: (helpline callers, self-help visitor-months).
WALES = {"before": (300, 600), "after": (450, 900), "tail": (110, 220)}
#: Callers from outside Wales per period (not part of the published figure).
ELSEWHERE_CALLERS = {"before": 700, "after": 800, "tail": 190}
#: Relative activity by month, November first (quieter in summer and at Christmas).
SEASON = (1.0, 0.8, 1.15, 1.1, 1.05, 1.0, 0.95, 0.9, 0.85, 0.8, 1.0, 1.05)
#: After launch: the month of launch and the next bring a rush (media, police leaflets).
LAUNCH_BOOST = (1.6, 1.3, 1.1)
#: Share of Welsh callers by police force area (roughly by population).
WELSH_AREAS = (
    (Region.WALES_SOUTH_WALES, 0.40),
    (Region.WALES_NORTH_WALES, 0.21),
    (Region.WALES_DYFED_POWYS, 0.17),
    (Region.WALES_GWENT, 0.17),
    (Region.WALES, 0.05),
)
_NOTES = (
    "Talked through triggers and a plan for the evenings. Offered the self-help module.",
    "Caller very anxious after a search warrant. Explained what usually happens next.",
    "Family member in shock. Talked about support for the family and keeping children safe.",
    "Returning caller: has kept to the plan for three weeks. Call back agreed.",
    "Professional asking how to refer someone. Gave information about the service.",
    "",
    "",
)


def load(password: str | None = None) -> dict:
    """Create the demo users and data; loading twice changes nothing. Returns a summary.

    ``password`` defaults to the platform's :func:`netsafe.demo.users.demo_password`
    (``NETSAFE_DEMO_PASSWORD``, else a public default refused in production). The summary is
    ``{"users": [usernames], "contacts_created": n, "help_seeking": before_after("wales")}``
    (900 before and 1,350 after, through the same disclosure control as any figure).
    """
    password = password or _platform_password()
    users = _users(password)
    handler_id = users["helpline-handler"]
    created = _data(handler_id)
    return {
        "users": sorted(users),
        "contacts_created": created,
        # Disclosure-controlled, like everything that leaves the prevention side.
        "help_seeking": before_after("wales"),
    }


def _platform_password() -> str:
    """The password the platform's demo users get (the same rule for every demo user)."""
    from netsafe.demo.users import demo_password

    return demo_password()


def _users(password: str) -> dict[str, int]:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    ids = {}
    with transaction.atomic():
        for username, role in DEMO_USERS.items():
            user, _ = user_model.objects.get_or_create(username=username)
            user.force = None  # charity staff belong to no police force
            user.set_password(password)
            user.save()
            user.set_roles([role])
            ids[username] = user.pk
    return ids


def _data(handler_id: int) -> int:
    """Insert the demo log unless the demo years already hold data; the number of contacts."""
    with transaction.atomic(using="prevention"):
        if Contact.objects.between(BEFORE[0], TAIL[1]).exists():
            return 0
        rng = random.Random(20161101)
        contacts: list[Contact] = []
        codes = iter(_codes())
        for label, (start, _end) in (("before", BEFORE), ("after", AFTER), ("tail", TAIL)):
            weights = _weights(label)
            helpline, selfhelp = WALES[label]
            for month_index, people in enumerate(_split(helpline, weights)):
                for _ in range(people):
                    region = _pick(rng, WELSH_AREAS)
                    contacts += _person(
                        rng, start, (month_index, len(weights) - 1), region, codes, handler_id
                    )
            elsewhere = [r for r in Region.values if not r.startswith("wales")]
            for month_index, people in enumerate(_split(ELSEWHERE_CALLERS[label], weights)):
                for _ in range(people):
                    region = rng.choice(elsewhere)
                    contacts += _person(
                        rng, start, (month_index, len(weights) - 1), region, codes, handler_id
                    )
            for month_index, visitors in enumerate(_split(selfhelp, weights)):
                month = add_months(start, month_index)
                for nation, count in (("wales", visitors), (ALL_VISITORS, visitors * 12)):
                    SelfHelpVisits.objects.update_or_create(
                        period="month", start=month, nation=nation, defaults={"visitors": count}
                    )
        _in_welsh(contacts)
        _check(contacts)
        Contact.objects.bulk_create(contacts, batch_size=500)
        escalations = [
            Escalation(
                contact=c,
                made_at=c.occurred_at + timedelta(minutes=c.duration_minutes + 10),
                concern=rng.choice(Concern.values),
                made_to=rng.choice(EscalatedTo.values),
                detail="Duty team",
                recorded_by=handler_id,
            )
            for c in contacts
            if Topic.CHILD_SAFETY in c.topics and rng.random() < 0.1
        ]
        Escalation.objects.bulk_create(escalations)
        # Figures released before the demo existed described an empty log.
        Release.objects.all().delete()
        return len(contacts)


#: The share of the demo's contacts from Wales held in Welsh (an illustration, not a
#: figure of the charity's).
WELSH_SHARE = 0.12


def _in_welsh(contacts: list[Contact]) -> None:
    """Hold some contacts from Wales in Welsh; a separate seed, so nothing else changes."""
    rng = random.Random(20161102)
    for contact in contacts:
        if contact.region.startswith("wales") and rng.random() < WELSH_SHARE:
            contact.language = ContactLanguage.WELSH


def _check(contacts: list[Contact]) -> None:
    """The demo obeys the same rules as a handler: every field of every contact is valid.

    A full clean of each contact costs seconds; the fields that vary freely are
    checked once per distinct value, and one contact per distinct note in full.
    """
    for code in {c.caller_code for c in contacts}:
        validate_caller_code(code)
    samples = {}
    for contact in contacts:
        samples.setdefault((contact.notes, contact.region, contact.caller_type), contact)
    for contact in samples.values():
        contact.full_clean(validate_constraints=False)
    for contact in contacts:
        validate_topics(contact.topics)
        validate_offered(contact.offered)


def _person(rng, year_start, months_in, region, codes, handler_id) -> list[Contact]:
    """One person's contacts: the first in the given month, returns later in the same period.

    ``months_in`` is (the month's index in the period, the period's last index).
    """
    month_index, last_index = months_in
    kind = rng.random()
    coded = kind >= 0.25  # a quarter give no code: each of their contacts is a person
    returns = rng.choice((1, 1, 2, 3, 4)) if coded and kind >= 0.6 else 0
    code = next(codes) if coded else ""
    caller_type = rng.choices(CallerType.values, weights=(55, 30, 8, 4, 3))[0]
    later = (month_index + rng.randint(0, 3) for _ in range(returns))
    # Returns that would fall after the period's end are not part of this period's story.
    months = [month_index, *sorted(m for m in later if m <= last_index)]
    out = []
    for m in months:
        month = add_months(year_start, m)
        day = month + timedelta(days=rng.randrange(28))
        moment = datetime.combine(day, time(rng.randint(9, 20), rng.randrange(60)))
        topics = rng.sample(Topic.values, rng.randint(1, 3))
        out.append(
            Contact(
                occurred_at=timezone.make_aware(moment),
                channel=rng.choices(Channel.values, weights=(70, 22, 8))[0],
                caller_type=caller_type,
                offending=rng.choice(Offending.values),
                region=region,
                heard_from=_heard(rng, after=year_start >= AFTER[0]),
                topics=topics,
                offered=rng.sample(Offer.values, rng.randint(1, 2)),
                duration_minutes=rng.randint(5, 55),
                caller_code=code,
                notes=rng.choice(_NOTES),
                handler=handler_id,
            )
        )
    return out


def _heard(rng, *, after: bool) -> str:
    # After launch, many more heard of the helpline from the police at a search.
    police = 30 if after else 8
    return rng.choices(HeardFrom.values, weights=(police, 15, 12, 30, 8, 10))[0]


def _weights(label: str) -> list[float]:
    """Monthly weights of a period: the season, with the launch rush after launch;
    the first three months for the tail."""
    weights = list(SEASON)
    if label == "after":
        for i, boost in enumerate(LAUNCH_BOOST):
            weights[i] *= boost
    return weights[:3] if label == "tail" else weights


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, exactly (largest remainders)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _pick(rng, weighted) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _codes():
    """Distinct demo caller codes: OAK-10, ASH-10, ..., OAK-11, ..."""
    n = 0
    while True:
        yield f"{CODE_WORDS[n % len(CODE_WORDS)]}-{10 + n // len(CODE_WORDS)}"
        n += 1
