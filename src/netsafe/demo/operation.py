"""The synthetic Operation NetSafe: four forces' casework from launch to the press release.

Everything is generated from fixed seeds with Faker's ``en_GB`` names, so the
data are the same on every load and describe no real person: e-mail
addresses are at ``example`` domains, telephone numbers are in Ofcom's ranges
for drama, IP addresses are in the documentation ranges, online accounts name
no real service.

The totals are exactly those the press reported on 19 January 2018
(:data:`PRESS`): warrants executed, people arrested, devices seized and
children safeguarded, each spread over the four forces by their size
(``Force.weight``). Around them the records have the shape of real work:
referrals from NCA-CEOP, NCMEC and force intelligence, risk assessments with
bands and due dates, warrants applied for, issued and executed, arrests and
voluntary interviews, devices with their chain of custody and a triage
backlog, safeguarding, signposting and outcomes; at the end some referrals
await assessment or are overdue, some warrants wait to be executed.

Every record carries its force and the force's own ``ref``, as in a return
(``shared/contracts/returns.md``). :mod:`.store` writes them in bulk keyed on
force + ref: a record whose ref is already there is not written again, so
loading twice duplicates nothing. :func:`load_operation` with ``scale`` > 1
writes further copies of the operation (different people, refs suffixed
``-X002``, ...) for benchmarks.
"""

from __future__ import annotations

import random
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from faker import Faker

from netsafe.accounts.models import Force
from netsafe.casework import deconfliction, risk
from netsafe.casework import models as m
from netsafe.casework.choices import (
    DeviceKind,
    Disposal,
    ForensicStatus,
    IdentifierKind,
    Offence,
    OutcomeKind,
    ReferralStatus,
    ReferredTo,
    Relationship,
    RiskBand,
    SafeguardingStatus,
    SignpostedTo,
    Source,
)
from netsafe.casework.figures import HEADLINE
from netsafe.casework.references import FORCE_CODES

from . import store
from .users import FORCES

#: The operation's launch and the date of the figures the press reported.
START = date(2016, 11, 1)
END = date(2018, 1, 19)
#: The seed every copy's seeds derive from.
SEED = 20161101


@dataclass(frozen=True)
class Totals:
    """The operation's headline figures (:data:`~netsafe.casework.figures.HEADLINE`, whose
    names its fields are: the demo's figures are counted as the site counts them)."""

    warrants_executed: int
    people_arrested: int
    devices_seized: int
    children_safeguarded: int


#: As reported: 486 warrants executed, 339 people arrested, "more than 2,000
#: devices" seized and "dozens of children" safeguarded.
PRESS = Totals(
    warrants_executed=486, people_arrested=339, devices_seized=2_047, children_safeguarded=58
)


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` exactly (largest remainders, ties to the
    first)."""
    if total < 0 or not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"cannot split {total} by weights {list(weights)}")
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def force_totals(forces: Sequence[Force], totals: Totals = PRESS) -> dict[str, Totals]:
    """Each force's share of ``totals``, by ``Force.weight``; the shares add up exactly."""
    weights = [f.weight for f in forces]
    columns = {name: apportion(getattr(totals, name), weights) for name in HEADLINE}
    return {
        f.slug: Totals(**{name: parts[i] for name, parts in columns.items()})
        for i, f in enumerate(forces)
    }


# --- The forces' areas ------------------------------------------------------------------

AREAS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # slug: (postcode districts, towns)
    "south-wales": (
        ("CF5", "CF10", "CF14", "CF24", "CF31", "CF37", "CF44", "CF47", "CF62", "SA1", "SA11"),
        ("Cardiff", "Swansea", "Bridgend", "Merthyr Tydfil", "Pontypridd", "Neath", "Barry"),
    ),
    "gwent": (
        ("NP4", "NP7", "NP10", "NP11", "NP12", "NP16", "NP19", "NP20", "NP23", "NP44"),
        ("Newport", "Cwmbran", "Pontypool", "Abergavenny", "Ebbw Vale", "Blackwood", "Chepstow"),
    ),
    "dyfed-powys": (
        ("SA15", "SA31", "SA44", "SA61", "SA73", "LD1", "LD3", "SY16", "SY21", "SY23"),
        ("Carmarthen", "Llanelli", "Aberystwyth", "Haverfordwest", "Brecon", "Newtown"),
    ),
    "north-wales": (
        ("LL11", "LL13", "LL18", "LL29", "LL30", "LL55", "LL57", "LL65", "CH5", "CH7"),
        ("Wrexham", "Bangor", "Rhyl", "Colwyn Bay", "Llandudno", "Mold", "Caernarfon"),
    ),
}

# Ofcom's numbers for drama: they ring nobody.
_PHONE_RANGES = (
    "07700 900{:03d}",
    "029 2018 0{:03d}",
    "01632 960{:03d}",
    "0117 496 0{:03d}",
    "0121 496 0{:03d}",
    "0151 496 0{:03d}",
    "0161 496 0{:03d}",
    "020 7946 0{:03d}",
)
_MAIL_DOMAINS = ("example.com", "example.org", "example.net")
_SERVICES = ("messaging app", "photo-sharing site", "social network", "chat site", "online game")
_ROOMS = ("front bedroom", "rear bedroom", "living room", "kitchen", "loft", "study", "car")
_DEVICES: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {
    # kind: (weight, (make, model) choices)
    DeviceKind.PHONE: (34, (("Samsung", "Galaxy S7"), ("Apple", "iPhone 6"), ("Huawei", "P9"))),
    DeviceKind.COMPUTER: (11, (("Dell", "OptiPlex 3020"), ("HP", "Pavilion 500"), ("", ""))),
    DeviceKind.LAPTOP: (15, (("Lenovo", "IdeaPad 310"), ("Acer", "Aspire E15"), ("HP", "250 G5"))),
    DeviceKind.TABLET: (10, (("Apple", "iPad Air 2"), ("Amazon", "Fire 7"), ("Samsung", "Tab A"))),
    DeviceKind.STORAGE: (21, (("SanDisk", "Cruzer 16GB"), ("Seagate", "Expansion 1TB"), ("", ""))),
    DeviceKind.CAMERA: (3, (("Canon", "IXUS 185"), ("Nikon", "Coolpix A10"))),
    DeviceKind.CONSOLE: (3, (("Sony", "PlayStation 4"), ("Microsoft", "Xbox One"))),
    DeviceKind.OTHER: (3, (("", "SIM card"), ("", "Memory card"))),
}
_SENTENCES = (
    "8 months' imprisonment suspended for 2 years; SHPO 10 years; notification 10 years",
    "Community order, 3 years, with a sex offender treatment programme; SHPO 5 years",
    "12 months' imprisonment; SHPO 10 years; notification 10 years",
    "Community order, 2 years, 150 hours' unpaid work; notification 5 years",
    "2 years' imprisonment; SHPO indefinite; notification indefinite",
)
_AGENCY_OUTCOMES = (
    "Strategy meeting held; child protection plan agreed.",
    "Section 47 enquiry; safety plan with the non-offending parent.",
    "Subject moved out of the family home; family supported by children's services.",
    "Assessed: no further action by children's services; advice given.",
)
_SOURCES = (
    (Source.NCA_CEOP, 52),
    (Source.NCMEC, 28),
    (Source.FORCE_INTEL, 15),
    (Source.OTHER_FORCE, 5),
)
#: Chance of a yes to each risk question.
_ANSWER_ODDS = {
    "prior_sexual_offence": 0.07,
    "prior_images": 0.15,
    "prior_violence": 0.1,
    "lives_with_children": 0.25,
    "works_with_children": 0.03,
    "contact_with_children": 0.15,
    "online_contact": 0.04,
    "distribution": 0.2,
    "severity": 0.25,
    "concealment": 0.2,
    "vulnerability": 0.12,
    "substance_misuse": 0.15,
    "crisis": 0.1,
    "concern": 0.05,
}
#: Days from assessment to applying for a warrant, by band (the band sets the pace).
_PACE = {
    RiskBand.VERY_HIGH: (0, 1),
    RiskBand.HIGH: (1, 8),
    RiskBand.MEDIUM: (4, 20),
    RiskBand.LOW: (10, 45),
}


# --- One force's share of one copy ----------------------------------------------------


@dataclass
class Case:
    """One referral and its subject, with what happened to them."""

    kind: str
    referral: m.Referral
    subject: m.Subject
    address: m.Address
    assessment: m.RiskAssessment | None = None
    warrants: list[m.Warrant] = field(default_factory=list)
    encounters: list[m.Arrest | m.VoluntaryInterview] = field(default_factory=list)


#: What became of a case by 19 January 2018.
EXECUTED = "executed"  # at least one warrant executed
ARREST_ONLY = "arrest-only"  # arrested without a warrant (e.g. attended by appointment)
TO_EXECUTE = "to-execute"  # warrant issued, not yet executed
AWAITING_ISSUE = "awaiting-issue"  # warrant applied for
NO_ACTION = "no-action"  # assessed, then closed: no offence identified
OVERDUE = "overdue"  # assessed, not yet acted on
UNASSESSED = "unassessed"  # received in the last fortnight
#: The kinds of case (each one referral).
CASES = (EXECUTED, ARREST_ONLY, TO_EXECUTE, AWAITING_ISSUE, NO_ACTION, OVERDUE, UNASSESSED)
SECOND_WARRANT = "second-warrant"  # not a case: executed cases with a second address searched


def case_plan(t: Totals) -> Counter[str]:
    """How many cases of each kind a force with totals ``t`` has (and how many second warrants).

    Second warrants count towards the warrants executed; people arrested are
    arrested at a warrant or, a few, without one.
    """
    second = round(t.warrants_executed * 0.04)
    return Counter(
        {
            EXECUTED: t.warrants_executed - second,
            SECOND_WARRANT: second,
            ARREST_ONLY: max(1, round(t.people_arrested * 0.03)),
            TO_EXECUTE: max(1, round(t.warrants_executed * 0.025)),
            AWAITING_ISSUE: max(1, round(t.warrants_executed * 0.012)),
            NO_ACTION: round(t.warrants_executed * 0.15),
            OVERDUE: max(2, round(t.warrants_executed * 0.05)),
            UNASSESSED: max(2, round(t.warrants_executed * 0.03)),
        }
    )


class ForceOperation:
    """The records of one force in one copy of the operation (unsaved model instances)."""

    def __init__(
        self, force: Force, totals: Totals, copy: int, fake: Faker, officer_id: int | None
    ) -> None:
        self.force = force
        self.totals = totals
        self.copy = copy
        self.suffix = copy_suffix(copy)
        seed = SEED + zlib.crc32(f"{copy}:{force.slug}".encode())
        self.rng = random.Random(seed)
        fake.seed_instance(seed)
        self.fake = fake
        self.officer_id = officer_id
        self.districts, self.towns = AREAS[force.slug]
        self.records: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self._numbers: Counter[str] = Counter()
        # Each force draws from its own quarter of the numbers, so that two forces
        # share a number only where plant_matches() says so.
        pool = len(_PHONE_RANGES) * 1000 // len(FORCES)
        first = FORCES.index(force.slug) * pool
        self._phones = iter(self.rng.sample(range(first, first + pool), pool))
        self.officers = [self._officer() for _ in range(12)]
        self.cases: list[Case] = []

    # -- small helpers ----------------------------------------------------------------

    def add(self, obj: models.Model) -> Any:
        obj.force_id = self.force.pk
        self.records[type(obj)].append(obj)
        return obj

    def ref(self, model: type[m.CaseRecord]) -> str:
        self._numbers[model.REF_PREFIX] += 1
        code = FORCE_CODES[self.force.slug]
        return f"{code}-{model.REF_PREFIX}-{self._numbers[model.REF_PREFIX]:05d}{self.suffix}"

    def day(self, low: date, high: date) -> date:
        if high <= low:
            return low
        return low + timedelta(days=self.rng.randint(0, (high - low).days))

    def moment(self, on: date, hours: tuple[int, int] = (7, 19)) -> datetime:
        at = time(self.rng.randint(*hours), self.rng.randrange(0, 60, 5))
        return timezone.make_aware(datetime.combine(on, at))

    def _officer(self) -> str:
        name = f"{self.fake.first_name()} {self.fake.last_name()}"
        rank = self.rng.choice(("DC", "DC", "PC", "DS"))
        return f"{rank} {name} {self.rng.randint(1000, 9999)}"

    def phone(self) -> str:
        number = next(self._phones)
        return _PHONE_RANGES[number // 1000].format(number % 1000)

    def email(self, given: str, family: str) -> str:
        local = f"{given}.{family}{self.rng.randint(1, 999)}".lower().replace(" ", "")
        local = "".join(c for c in local if c.isalnum() or c == ".")
        return f"{local}@{self.rng.choice(_MAIL_DOMAINS)}"

    def ip(self) -> str:
        if self.rng.random() < 0.4:
            block = self.rng.choice(("192.0.2", "198.51.100", "203.0.113"))
            return f"{block}.{self.rng.randint(1, 254)}"
        # IPv6 documentation prefix: unique per force, copy and address.
        self._numbers["ipv6"] += 1
        n = self._numbers["ipv6"]
        return f"2001:db8:{FORCES.index(self.force.slug) + 1:x}:{self.copy:x}::{n:x}"

    # -- the plan ---------------------------------------------------------------------

    def build(self) -> ForceOperation:
        """Generate the whole force's records; returns self."""
        t = self.totals
        plan = case_plan(t)
        second = plan.pop(SECOND_WARRANT)
        kinds = [kind for kind, n in plan.items() for _ in range(n)]
        self.rng.shuffle(kinds)
        self.cases = [self._case(kind) for kind in kinds]
        executed = [c for c in self.cases if c.kind == EXECUTED]
        for case in self.rng.sample(executed, second):
            self._second_warrant(case)
        self._encounters(executed, t.people_arrested - plan[ARREST_ONLY])
        self._outcomes()
        self._devices(t.devices_seized)
        self._safeguarding(t.children_safeguarded)
        self._signposting()
        return self

    def _received(self, kind: str) -> date:
        ranges = {
            TO_EXECUTE: (END - timedelta(days=45), END - timedelta(days=12)),
            AWAITING_ISSUE: (END - timedelta(days=25), END - timedelta(days=6)),
            OVERDUE: (END - timedelta(days=70), END - timedelta(days=4)),
            UNASSESSED: (END - timedelta(days=14), END),
            NO_ACTION: (START, END - timedelta(days=30)),
        }
        if kind == EXECUTED and self.rng.random() < 0.12:
            # The week of action at launch worked through packages already in hand.
            return START
        low, high = ranges.get(kind, (START, END - timedelta(days=3)))
        return self.day(low, high)

    def _case(self, kind: str) -> Case:
        rng, fake = self.rng, self.fake
        received = self._received(kind)
        source = rng.choices(*zip(*_SOURCES, strict=True))[0]
        referral = self.add(
            m.Referral(
                ref=self.ref(m.Referral),
                source=source,
                package_ref=self._package_ref(source, received),
                received=received,
                summary=self._summary(source),
                officer_id=self.officer_id if rng.random() < 0.6 else None,
            )
        )
        female = rng.random() < 0.04
        given = fake.first_name_female() if female else fake.first_name_male()
        family = fake.last_name()
        age = int(rng.triangular(18, 76, 34))
        born = received - timedelta(days=age * 365 + rng.randint(0, 364))
        district = rng.choice(self.districts)
        subject = self.add(
            m.Subject(
                ref=self.ref(m.Subject),
                referral=referral,
                given_names=given,
                family_name=family,
                date_of_birth=born,
                postcode_district=district,
            )
        )
        address = self._address(subject, district)
        self._identifiers(referral, subject, source, given, family, received)
        case = Case(kind, referral, subject, address)
        if kind != UNASSESSED:
            self._assess(case)
        if kind in (EXECUTED, TO_EXECUTE, AWAITING_ISSUE):
            self._warrant(case, kind)
        return case

    def _package_ref(self, source: str, received: date) -> str:
        if source == Source.NCA_CEOP:
            return f"CEOP-{received:%Y%m}-{self.rng.randint(10000, 99999)}"
        if source == Source.NCMEC:
            return f"CT-{self.rng.randint(10_000_000, 29_999_999)}"
        if source == Source.OTHER_FORCE:
            return f"XF-{self.rng.randint(1000, 9999)}"
        return f"INT-{received:%y}-{self.rng.randint(100, 999)}"

    def _summary(self, source: str) -> str:
        what = self.rng.choice(
            (
                "Account uploaded indecent images of children to an online service.",
                "IP address seen sharing indecent images on a peer-to-peer network.",
                "User shared indecent images in a group chat.",
                "Account sent indecent images and chatted with an account believed to be a child.",
            )
        )
        return what if source != Source.FORCE_INTEL else "Intelligence: " + what.lower()

    def _address(self, subject: m.Subject, district: str, current: bool = True) -> m.Address:
        fake = self.fake
        sector = f"{self.rng.randint(1, 9)}{fake.random_uppercase_letter()}"
        sector += fake.random_uppercase_letter()
        return self.add(
            m.Address(
                subject=subject,
                line1=f"{self.rng.randint(1, 140)} {fake.street_name()}",
                town=self.rng.choice(self.towns),
                postcode=f"{district} {sector}",
                current=current,
            )
        )

    def _identifiers(self, referral, subject, source, given, family, received) -> None:
        rng = self.rng
        found: list[tuple[m.Identifier, str]] = []
        if source in (Source.NCMEC, Source.OTHER_FORCE):
            found.append(
                (m.Identifier(kind=IdentifierKind.EMAIL, value=self.email(given, family)), "")
            )
        if source in (Source.NCA_CEOP, Source.OTHER_FORCE) or rng.random() < 0.3:
            handle = f"{self.fake.user_name()}{rng.randint(1, 99)}"
            found.append(
                (m.Identifier(kind=IdentifierKind.ACCOUNT, value=handle), rng.choice(_SERVICES))
            )
        if source != Source.FORCE_INTEL:
            seen = self.moment(received - timedelta(days=rng.randint(5, 60)), (0, 23))
            found.append((m.Identifier(kind=IdentifierKind.IP, value=self.ip(), seen_at=seen), ""))
        else:
            found.append((m.Identifier(kind=IdentifierKind.PHONE, value=self.phone()), ""))
        for ident, service in found:
            ident.referral = referral
            ident.service = service
            self.add(ident)
        if rng.random() < 0.7:
            self.add(m.Identifier(subject=subject, kind=IdentifierKind.PHONE, value=self.phone()))

    def _assess(self, case: Case) -> None:
        rng = self.rng
        answers = {name: rng.random() < odds for name, odds in _ANSWER_ODDS.items()}
        if case.kind == NO_ACTION:
            answers = {name: False for name in answers}
        assessed = min(case.referral.received + timedelta(days=rng.randint(0, 3)), END)
        band = risk.band(answers)
        assessment = self.add(
            m.RiskAssessment(
                ref=self.ref(m.RiskAssessment),
                referral=case.referral,
                assessed_on=assessed,
                rationale="Structured assessment on receipt of the package.",
                band=band,
                action_due=risk.action_due(band, assessed),
                **answers,
            )
        )
        # The referral carries the band of its latest (here: only) assessment.
        case.referral.risk, case.referral.action_due = band, assessment.action_due
        case.assessment = assessment

    def _warrant(self, case: Case, kind: str, address: m.Address | None = None) -> m.Warrant:
        rng = self.rng
        after = case.warrants[-1].executed if case.warrants else case.assessment.assessed_on
        low, high = _PACE[RiskBand(case.assessment.band)]
        applied = after + timedelta(
            days=rng.randint(low, high) if not case.warrants else rng.randint(7, 60)
        )
        issued = applied + timedelta(days=rng.randint(0, 2))
        executed = issued + timedelta(days=rng.randint(0, 1 if low == 0 else 6))
        if kind == EXECUTED and executed > END:
            # Keep the case inside the operation: everything happened earlier.
            shift = executed - END
            applied, issued, executed = applied - shift, issued - shift, END
            if applied < after:
                applied = issued = after
        place = address or case.address
        warrant = self.add(
            m.Warrant(
                ref=self.ref(m.Warrant),
                subject=case.subject,
                address=str(place),
                applied=min(applied, END),
                issued=min(issued, END) if kind != AWAITING_ISSUE else None,
                executed=executed if kind == EXECUTED else None,
                outcome="",
            )
        )
        case.warrants.append(warrant)
        return warrant

    def _second_warrant(self, case: Case) -> None:
        """A second address (a workplace or a partner's home) searched later."""
        extra = self._address(case.subject, self.rng.choice(self.districts), current=False)
        self._warrant(case, EXECUTED, address=extra)

    def _encounters(self, executed: list[Case], arrested_at_warrant: int) -> None:
        rng = self.rng
        arrested = set(map(id, rng.sample(executed, arrested_at_warrant)))
        for case in self.cases:
            if case.kind == ARREST_ONLY:
                on = min(case.assessment.assessed_on + timedelta(days=rng.randint(2, 20)), END)
                case.encounters.append(self._arrest(case, on, None))
            elif id(case) in arrested:
                first = case.warrants[0]
                case.encounters.append(self._arrest(case, first.executed, first))
            elif case.kind == EXECUTED and rng.random() < 0.85:
                first = case.warrants[0]
                on = min(first.executed + timedelta(days=rng.randint(5, 45)), END)
                interview = self.add(
                    m.VoluntaryInterview(
                        ref=self.ref(m.VoluntaryInterview),
                        subject=case.subject,
                        warrant=first,
                        date=on,
                        offences=self._offences(),
                        disposal=rng.choices((Disposal.RUI, Disposal.NFA), (80, 20))[0],
                    )
                )
                case.encounters.append(interview)
            else:
                continue
            case.referral.actioned = min(
                [w.executed for w in case.warrants if w.executed] + [case.encounters[0].date]
            )
        for case in self.cases:
            if case.kind == EXECUTED and not case.encounters:
                case.referral.actioned = case.warrants[0].executed
        # Some are arrested again later (breach of bail, or new material on the devices).
        for case in self.cases:
            first = case.encounters[0] if case.encounters else None
            if (
                isinstance(first, m.Arrest)
                and rng.random() < 0.08
                and first.date < END - timedelta(days=40)
            ):
                on = self.day(first.date + timedelta(days=30), END)
                case.encounters.append(self._arrest(case, on, None, again=True))
        for case in self.cases:
            for warrant in case.warrants:
                if warrant.executed:
                    warrant.outcome = self._warrant_result(case, warrant)

    def _arrest(self, case: Case, on: date, warrant, again: bool = False) -> m.Arrest:
        rng = self.rng
        disposal = rng.choices(
            (Disposal.RUI, Disposal.BAIL, Disposal.CHARGED, Disposal.NFA),
            (30, 40, 15, 15) if again else (62, 22, 6, 10),
        )[0]
        return self.add(
            m.Arrest(
                ref=self.ref(m.Arrest),
                subject=case.subject,
                warrant=warrant,
                date=on,
                offences=self._offences(),
                disposal=disposal,
                bail_until=on + timedelta(days=28) if disposal == Disposal.BAIL else None,
            )
        )

    def _offences(self) -> list[str]:
        rng = self.rng
        codes = [Offence.POSSESSION.value]
        if rng.random() < 0.55:
            codes.insert(0, Offence.TAKING_MAKING_DISTRIBUTING.value)
        if rng.random() < 0.08:
            codes.append(Offence.PROHIBITED_IMAGES.value)
        return codes

    def _warrant_result(self, case: Case, warrant: m.Warrant) -> str:
        arrested = any(isinstance(e, m.Arrest) and e.warrant is warrant for e in case.encounters)
        return (
            "Devices seized; subject arrested."
            if arrested
            else "Devices seized; subject to attend interview."
        )

    def _outcomes(self) -> None:
        rng = self.rng
        for case in self.cases:
            if case.kind == NO_ACTION:
                on = min(case.assessment.assessed_on + timedelta(days=rng.randint(7, 30)), END)
                self._outcome(case, OutcomeKind.NFA, on)
                continue
            if not case.encounters:
                if case.kind == EXECUTED:
                    on = min(case.warrants[0].executed + timedelta(days=14), END)
                    self._outcome(case, OutcomeKind.NFA, on)
                continue
            first = case.encounters[0]
            elapsed = (END - first.date).days
            interviewed = isinstance(first, m.VoluntaryInterview)
            if elapsed > 300:
                odds = (45, 10, 12, 18, 15, 0) if not interviewed else (30, 25, 5, 30, 10, 0)
            elif elapsed > 150:
                odds = (20, 6, 25, 14, 35, 0) if not interviewed else (10, 15, 10, 25, 40, 0)
            else:
                odds = (0, 0, 10, 5, 60, 25) if not interviewed else (0, 5, 5, 10, 80, 0)
            kinds = (
                OutcomeKind.CONVICTED,
                OutcomeKind.CAUTION,
                OutcomeKind.CHARGED,
                OutcomeKind.NFA,
                OutcomeKind.RUI,
                OutcomeKind.BAIL,
            )
            outcome = rng.choices(kinds, odds)[0]
            if outcome in (OutcomeKind.RUI, OutcomeKind.BAIL):
                on = first.date
            else:
                least = min(120 if outcome == OutcomeKind.CONVICTED else 30, elapsed)
                on = first.date + timedelta(days=rng.randint(least, elapsed))
            self._outcome(case, outcome, on)

    def _outcome(self, case: Case, outcome: str, on: date) -> None:
        convicted = outcome == OutcomeKind.CONVICTED
        self.add(
            m.Outcome(
                ref=self.ref(m.Outcome),
                subject=case.subject,
                date=on,
                outcome=outcome,
                sentence=self.rng.choice(_SENTENCES) if convicted else "",
            )
        )
        if outcome in (OutcomeKind.CONVICTED, OutcomeKind.CAUTION, OutcomeKind.NFA):
            case.referral.status = ReferralStatus.CLOSED

    def _devices(self, total: int) -> None:
        rng = self.rng
        executed = [(c, w) for c in self.cases for w in c.warrants if w.executed]
        weights = [rng.gammavariate(1.6, 2.5) * (1 if c.encounters else 0.15) for c, w in executed]
        kinds = list(_DEVICES)
        kind_weights = [_DEVICES[k][0] for k in kinds]
        for (case, warrant), count in zip(executed, apportion(total, weights), strict=True):
            seizer = rng.choice(self.officers)
            initials = "".join(p[0] for p in seizer.split()[1:-1]).upper()
            for _ in range(count):
                kind = rng.choices(kinds, kind_weights)[0]
                make, model_name = rng.choice(_DEVICES[kind][1])
                status = self._forensic_status(warrant.executed)
                # Unique in the operation: the force, the seizing officer's initials and
                # the force's exhibit number (the copy's suffix in benchmark copies).
                self._numbers["exhibit"] += 1
                exhibit = f"{FORCE_CODES[self.force.slug]}/{initials}/{self._numbers['exhibit']}"
                device = self.add(
                    m.Device(
                        ref=self.ref(m.Device),
                        exhibit_ref=exhibit + self.suffix,
                        subject=case.subject,
                        warrant=warrant,
                        kind=kind,
                        make=make,
                        model_name=model_name,
                        serial=self.fake.bothify("??#######??").upper(),
                        seized=warrant.executed,
                        seized_where=f"{warrant.address}, {rng.choice(_ROOMS)}",
                        seized_by=seizer,
                        forensic_status=status,
                    )
                )
                self._custody(device, seizer)

    def _forensic_status(self, seized: date) -> str:
        age = (END - seized).days
        if age < 90:
            odds = (75, 20, 5, 0, 0)
        elif age < 240:
            odds = (35, 35, 25, 5, 0)
        else:
            odds = (10, 25, 35, 20, 10)
        statuses = (
            ForensicStatus.AWAITING_TRIAGE,
            ForensicStatus.TRIAGED,
            ForensicStatus.FULL_EXAMINATION,
            ForensicStatus.RETURNED,
            ForensicStatus.DESTROYED,
        )
        return self.rng.choices(statuses, odds)[0]

    def _custody(self, device: m.Device, seizer: str) -> None:
        """The device's ledger as casework.custody would write it: the seizure, then
        hand-overs from the holder to outside bodies, each with its reference."""
        store = f"{self.force.name} property store"
        dfu = f"{self.force.name} Digital Forensic Unit"
        number = self._numbers["custody"] = self._numbers["custody"] + 1
        year = device.seized.year
        hops = [
            (device.seized, store, f"PS/{year}/{number:05d}", store, "Stored as an exhibit"),
        ]
        if device.forensic_status != ForensicStatus.AWAITING_TRIAGE:
            to_dfu = self.day(
                device.seized + timedelta(days=3), min(device.seized + timedelta(days=120), END)
            )
            hops.append((to_dfu, dfu, f"DFU/{to_dfu.year}/{number:05d}", dfu, "For triage"))
            if device.forensic_status in (ForensicStatus.RETURNED, ForensicStatus.DESTROYED):
                done = self.day(to_dfu + timedelta(days=30), END)
                if device.forensic_status == ForensicStatus.RETURNED:
                    hops.append(
                        (
                            done,
                            "Owner (signed for)",
                            f"Receipt {number:05d}",
                            "Front counter",
                            "Returned: no trace",
                        )
                    )
                else:
                    hops.append(
                        (
                            done,
                            "Disposal contractor",
                            f"Certificate {number:05d}",
                            store,
                            "Destroyed by order of the court",
                        )
                    )
        # Warrants are executed early; each entry comes after the one before.
        last = self.moment(device.seized, (6, 9))
        self.add(
            m.CustodyEvent(
                device=device,
                number=1,
                kind=m.CustodyKind.SEIZURE,
                at=last,
                received_by=seizer,
                location=device.seized_where,
                reason="Seized",
            )
        )
        holder = seizer  # (the seizure entry's receiver: device.seized_by)
        for n, (on, body, reference, where, why) in enumerate(hops, 2):
            last = max(self.moment(on, (10, 18)), last + timedelta(minutes=30))
            received = f"{body} (ref. {reference})"
            self.add(
                m.CustodyEvent(
                    device=device,
                    number=n,
                    kind=m.CustodyKind.HANDOVER,
                    at=last,
                    handed_by=holder,
                    received_by=received,
                    body=body,
                    body_reference=reference,
                    location=where,
                    reason=why,
                )
            )
            holder = received

    def _safeguarding(self, children: int) -> None:
        rng = self.rng
        with_children = [
            c
            for c in self.cases
            if c.kind == EXECUTED
            and (c.assessment.lives_with_children or c.assessment.contact_with_children)
        ]
        rng.shuffle(with_children)
        left = children
        for case in with_children:
            if left <= 0:
                break
            count = min(left, rng.choices((0, 1, 2, 3), (12, 50, 28, 10))[0])
            left -= count
            if count:
                # A household checked and found safe is no safeguarding record: one counts
                # 1 to 30 children (netsafe.casework.plausibility).
                self._safeguard(case, count)
        if left:
            raise ValueError(
                f"{self.force.slug}: {left} of {children} children left without a household; "
                "the demo has too few cases with children for its totals"
            )

    def _safeguard(self, case: Case, children: int) -> None:
        rng = self.rng
        on = case.warrants[0].executed
        referred_to = rng.choices(
            (ReferredTo.MASH, ReferredTo.CHILDRENS_SERVICES, ReferredTo.OTHER), (60, 35, 5)
        )[0]
        still_open = on > END - timedelta(days=60) or rng.random() < 0.05
        record = self.add(
            m.Safeguarding(
                ref=self.ref(m.Safeguarding),
                subject=case.subject,
                date=on,
                children=children,
                referred_to=referred_to if children else "",
                referral_date=on + timedelta(days=rng.randint(0, 2)) if children else None,
                agency_outcome="" if still_open or not children else rng.choice(_AGENCY_OUTCOMES),
                status=SafeguardingStatus.OPEN if still_open else SafeguardingStatus.CLOSED,
                notes="" if children else "Checks made at the address: no children at risk found.",
            )
        )
        relationships = [r for r in Relationship.values if r != Relationship.ONLINE]
        for _ in range(children):
            self.add(
                m.Child(
                    safeguarding=record,
                    age=rng.randint(0, 17),
                    relationship=rng.choices(relationships, (40, 20, 15, 8, 12, 5))[0],
                )
            )

    def _signposting(self) -> None:
        rng = self.rng
        for case in self.cases:
            for warrant in case.warrants:
                if not warrant.executed or rng.random() > 0.85:
                    continue
                given = [SignpostedTo.SUBJECT]
                if rng.random() < 0.45:
                    given.append(SignpostedTo.FAMILY)
                for to in given:
                    self.add(
                        m.Signposting(
                            ref=self.ref(m.Signposting),
                            warrant=warrant,
                            to=to,
                            date=warrant.executed,
                            notes="Stop it Now! leaflet and helpline number given at the door.",
                        )
                    )


def plant_matches(operations: Sequence[ForceOperation]) -> list[m.Subject]:
    """Make a few subjects of one force share a key with another force's subject.

    Real operations find such overlaps (a man arrested in Cardiff whose phone
    Gwent also holds); deconfliction then tells both forces' supervisors.
    Returns the subjects whose new keys should be checked.
    """
    by_slug = {op.force.slug: op for op in operations}
    pairs = (("south-wales", "gwent"), ("north-wales", "dyfed-powys"), ("gwent", "dyfed-powys"))
    checked = []
    for n, (a, b) in enumerate(pairs):
        if a not in by_slug or b not in by_slug:
            continue
        theirs = by_slug[a].cases[n + 1]
        mine = by_slug[b].cases[-(n + 2)]
        if n == 0:
            # The same phone number.
            value = by_slug[a].phone()
            for op, case in ((by_slug[a], theirs), (by_slug[b], mine)):
                op.add(m.Identifier(subject=case.subject, kind=IdentifierKind.PHONE, value=value))
        else:
            # The same name and date of birth.
            for name in ("given_names", "family_name", "date_of_birth"):
                setattr(mine.subject, name, getattr(theirs.subject, name))
        checked.append(mine.subject)
    return checked


def build_copy(
    copy: int, forces: Sequence[Force], officers: dict[str, int | None], fake: Faker
) -> list[ForceOperation]:
    """Every force's records of one copy of the operation."""
    shares = force_totals(forces)
    return [
        ForceOperation(f, shares[f.slug], copy, fake, officers.get(f.slug)).build() for f in forces
    ]


def copy_suffix(copy: int) -> str:
    """The suffix of the refs of copy ``copy`` (none for the operation itself, copy 0)."""
    return f"-X{copy + 1:03d}" if copy else ""


def operation_forces() -> list[Force]:
    """The four Welsh forces, which the accounts migration registers."""
    found = {f.slug: f for f in Force.objects.filter(slug__in=FORCES)}
    missing = [slug for slug in FORCES if slug not in found]
    if missing:
        raise LookupError(
            f"force(s) {', '.join(missing)} are not registered: run the migrations "
            "(netsafe demo does) or add them in the admin"
        )
    return [found[slug] for slug in FORCES]


def load_operation(
    scale: int = 1,
    officers: dict[str, int | None] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> store.Written:
    """Write ``scale`` copies of the operation, each copy in one transaction."""
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, not {scale}")
    forces = operation_forces()
    fake = Faker("en_GB")
    written = store.Written()
    referrals = sum(case_plan(t)[k] for t in force_totals(forces).values() for k in CASES)
    for copy in range(scale):
        if copy and store.copy_present(copy_suffix(copy), referrals):
            # A bench copy is written in one transaction: all of it is there.
            written.existing["copies"] += 1
            continue
        with transaction.atomic():
            operations = build_copy(copy, forces, officers or {}, fake)
            planted = plant_matches(operations) if copy == 0 else []
            records = [op.records for op in operations]
            new_subjects = {id(s) for s in store.write(records, written)}
            for subject in planted:
                if id(subject) in new_subjects:
                    written.alerts += deconfliction.check(subject)
        if scale > 1:
            progress(f"copy {copy + 1} of {scale} written")
    if written.total_created:
        store.refresh_statistics()
    return written
