"""A synthetic operation for the statistics tests, with its true figures counted in Python.

:func:`build` writes casework records with ``bulk_create`` and returns the
records it wrote as plain Python facts, so that a test can count what
``stats --json`` should say without asking the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from tests.factories import force

from netsafe.casework import models as m
from netsafe.casework.risk import action_due

FORCES = ("south-wales", "gwent", "dyfed-powys", "north-wales")
LAUNCH = date(2016, 11, 1)
AS_AT = date(2018, 1, 19)


@dataclass
class Facts:
    """What was written: (force slug, date, ...) tuples per kind of record."""

    referrals: list[tuple[str, date]] = field(default_factory=list)
    #: (risk band, date action was due, date acted on) of each referral.
    actions: list[tuple[str, date | None, date | None]] = field(default_factory=list)
    warrants: list[tuple[str, date, date | None]] = field(default_factory=list)  # issued, executed
    arrests: list[tuple[str, date, int]] = field(default_factory=list)  # subject number
    interviews: list[tuple[str, date]] = field(default_factory=list)
    devices: list[tuple[str, date, str]] = field(default_factory=list)  # forensic status
    safeguarding: list[tuple[str, date, int]] = field(default_factory=list)  # children
    signposting: list[tuple[str, date]] = field(default_factory=list)
    outcomes: list[tuple[str, date, int, str]] = field(default_factory=list)


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def build(
    *,
    executed: int = 486,
    people_arrested: int = 339,
    devices: int = 2047,
    children: int = 58,
    seed: int = 1,
    late: int = 12,
) -> Facts:
    """An operation whose figures at :data:`AS_AT` are the given ones.

    ``late`` more of each kind of record fall after :data:`AS_AT` (they must
    not be counted as at that date).
    """
    rng = random.Random(seed)
    forces = {slug: force(slug) for slug in FORCES}
    facts = Facts()
    total_subjects = executed + 40 + late
    referrals, subjects = [], []
    for i in range(total_subjects):
        slug = rng.choices(FORCES, weights=(42, 17, 19, 22))[0]
        received = _day(rng, LAUNCH - timedelta(days=20), AS_AT - timedelta(days=30))
        risk = rng.choice(["very-high", "high", "medium", "low", ""])
        referrals.append(
            m.Referral(
                force=forces[slug], ref=f"R{i}", source="nca-ceop", received=received, risk=risk
            )
        )
        facts.referrals.append((slug, received))
    m.Referral.objects.bulk_create(referrals)
    for i, referral in enumerate(referrals):
        subjects.append(
            m.Subject(force=referral.force, ref=f"S{i}", referral=referral, given_names="A")
        )
    m.Subject.objects.bulk_create(subjects)

    warrants = []
    for i, subject in enumerate(subjects):
        slug = subject.force.slug
        received = referrals[i].received
        issued = received + timedelta(days=rng.randint(0, 10))
        if i < executed:
            done = min(issued + timedelta(days=rng.randint(0, 20)), AS_AT)
        elif i < executed + late:
            issued = AS_AT + timedelta(days=1)
            done = AS_AT + timedelta(days=rng.randint(2, 30))
        else:
            done = None  # issued, waiting to be executed
        warrants.append(
            m.Warrant(
                force=subject.force, ref=f"W{i}", subject=subject, issued=issued, executed=done
            )
        )
        facts.warrants.append((slug, issued, done))
    m.Warrant.objects.bulk_create(warrants)
    # What the models do on save: the band's due date, and acted on at the execution.
    for referral, warrant in zip(referrals, warrants, strict=True):
        if referral.risk:
            referral.action_due = action_due(referral.risk, referral.received)
        referral.actioned = warrant.executed
        facts.actions.append((referral.risk, referral.action_due, referral.actioned))
    m.Referral.objects.bulk_update(referrals, ["action_due", "actioned"])

    arrests, interviews = [], []
    for i in range(people_arrested):
        w = warrants[i]
        arrests.append(
            m.Arrest(force=w.force, ref=f"A{i}", subject=w.subject, warrant=w, date=w.executed)
        )
        facts.arrests.append((w.force.slug, w.executed, i))
        if i % 9 == 0:  # a second arrest of the same person
            later = min(w.executed + timedelta(days=40), AS_AT)
            arrests.append(m.Arrest(force=w.force, ref=f"A{i}b", subject=w.subject, date=later))
            facts.arrests.append((w.force.slug, later, i))
    for i in range(people_arrested, executed):
        w = warrants[i]
        interviews.append(
            m.VoluntaryInterview(force=w.force, ref=f"V{i}", subject=w.subject, date=w.executed)
        )
        facts.interviews.append((w.force.slug, w.executed))
    for j in range(late):  # arrests after the as-at date
        w = warrants[executed + j]
        arrests.append(
            m.Arrest(force=w.force, ref=f"AL{j}", subject=w.subject, warrant=w, date=w.executed)
        )
        facts.arrests.append((w.force.slug, w.executed, executed + j))
    m.Arrest.objects.bulk_create(arrests)
    m.VoluntaryInterview.objects.bulk_create(interviews)

    device_rows = []
    for i in range(devices + late):
        w = warrants[i % executed] if i < devices else warrants[executed + i - devices]
        status = rng.choice(["awaiting-triage", "triaged", "full-examination", "returned"])
        device_rows.append(
            m.Device(
                force=w.force,
                ref=f"D{i}",
                warrant=w,
                subject=w.subject,
                kind="phone",
                seized=w.executed,
                forensic_status=status,
            )
        )
        facts.devices.append((w.force.slug, w.executed, status))
    m.Device.objects.bulk_create(device_rows)

    safeguarding, signposting, outcomes = [], [], []
    left, i = children, 0
    while left:
        n = min(left, rng.randint(1, 4))
        w = warrants[i * 7 % executed]
        safeguarding.append(
            m.Safeguarding(
                force=w.force, ref=f"G{i}", subject=w.subject, date=w.executed, children=n
            )
        )
        facts.safeguarding.append((w.force.slug, w.executed, n))
        left -= n
        i += 1
    for i in range(0, executed, 3):
        w = warrants[i]
        signposting.append(
            m.Signposting(force=w.force, ref=f"P{i}", warrant=w, to="family", date=w.executed)
        )
        facts.signposting.append((w.force.slug, w.executed))
    for i in range(0, people_arrested, 2):
        w = warrants[i]
        kind = "convicted" if i % 4 == 0 else "charged"
        day = min(w.executed + timedelta(days=60), AS_AT)
        outcomes.append(
            m.Outcome(force=w.force, ref=f"O{i}", subject=w.subject, date=day, outcome=kind)
        )
        facts.outcomes.append((w.force.slug, day, i, kind))
        if kind == "convicted":  # charged first, convicted later: one person in each count
            earlier = w.executed
            outcomes.append(
                m.Outcome(
                    force=w.force, ref=f"O{i}c", subject=w.subject, date=earlier, outcome="charged"
                )
            )
            facts.outcomes.append((w.force.slug, earlier, i, "charged"))
    m.Safeguarding.objects.bulk_create(safeguarding)
    m.Signposting.objects.bulk_create(signposting)
    m.Outcome.objects.bulk_create(outcomes)
    return facts
