"""The synthetic operation: the press figures exactly, a realistic shape, loaded once only."""

from __future__ import annotations

import dataclasses
import io
import itertools
from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, Max, Min, Sum
from faker import Faker

from netsafe.accounts.models import Force
from netsafe.audit.models import AuditEntry
from netsafe.audit.recording import snapshot
from netsafe.casework import figures
from netsafe.casework import models as m
from netsafe.casework.choices import ForensicStatus, OutcomeKind, RiskBand, Source
from netsafe.casework.figures import HEADLINE
from netsafe.casework.models import CaseRecord
from netsafe.demo import operation
from netsafe.demo.loading import load
from netsafe.demo.operation import END, PRESS, START, apportion, build_copy, force_totals
from netsafe.demo.store import ORDER

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

WELSH = ("south-wales", "gwent", "dyfed-powys", "north-wales")


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ORDER}


def test_totals_are_what_the_press_reported(demo_operation):
    executed = m.Warrant.objects.filter(executed__isnull=False, executed__lte=END)
    assert executed.count() == 486
    assert m.Arrest.objects.values("subject").distinct().count() == 339
    devices = m.Device.objects.filter(seized__lte=END).count()
    assert devices == PRESS.devices_seized
    assert 2000 < devices < 2100
    children = m.Safeguarding.objects.aggregate(n=Sum("children"))["n"]
    assert children == PRESS.children_safeguarded
    assert 40 <= children <= 70


def test_the_site_counts_the_press_figures_from_the_demo(demo_operation):
    # The demo's totals are the headline figures as the home page and dashboard count them.
    assert figures.headline(as_at=END, names=HEADLINE) == dataclasses.asdict(PRESS)
    assert tuple(field.name for field in dataclasses.fields(PRESS)) == HEADLINE


def test_figures_are_spread_over_the_forces_by_size(demo_operation):
    forces = list(Force.objects.filter(slug__in=WELSH))
    weights = {f.slug: f.weight for f in forces}
    executed = dict(
        m.Warrant.objects.filter(executed__isnull=False)
        .values_list("force__slug")
        .annotate(n=Count("id"))
    )
    assert set(executed) == set(WELSH)
    for slug, n in executed.items():
        # Each force's share is within one warrant of its weight's share.
        assert abs(n - 486 * weights[slug] / sum(weights.values())) < 1
    biggest = max(weights, key=weights.get)
    assert max(executed, key=executed.get) == biggest


def test_everything_happened_during_the_operation(demo_operation):
    spans = [
        m.Referral.objects.aggregate(a=Min("received"), b=Max("received")),
        m.Warrant.objects.aggregate(a=Min("applied"), b=Max("executed")),
        m.Arrest.objects.aggregate(a=Min("date"), b=Max("date")),
        m.VoluntaryInterview.objects.aggregate(a=Min("date"), b=Max("date")),
        m.Device.objects.aggregate(a=Min("seized"), b=Max("seized")),
        m.Outcome.objects.aggregate(a=Min("date"), b=Max("date")),
        m.Safeguarding.objects.aggregate(a=Min("date"), b=Max("date")),
    ]
    for span in spans:
        assert START <= span["a"] <= span["b"] <= END
    for warrant in m.Warrant.objects.exclude(executed=None).select_related("subject__referral"):
        assert warrant.subject.referral.received <= warrant.applied <= warrant.issued
        assert warrant.issued <= warrant.executed
    for event in m.CustodyEvent.objects.select_related("device")[:500]:
        assert event.at.date() >= event.device.seized


def test_every_record_has_its_force_and_ref(demo_operation):
    for model in ORDER:
        assert not model.objects.filter(force__isnull=True).exists(), model
        if issubclass(model, CaseRecord):
            assert not model.objects.filter(ref="").exists(), model
            refs = model.objects.values("force", "ref").annotate(n=Count("id"))
            assert not refs.filter(n__gt=1).exists(), model
    # Parts of a record belong to the record's force.
    assert not m.Subject.objects.exclude(force=F("referral__force")).exists()
    assert not m.Device.objects.exclude(force=F("warrant__force")).exists()
    assert not m.Child.objects.exclude(force=F("safeguarding__force")).exists()


def test_the_operation_has_the_shape_of_real_work(demo_operation):
    today = date.today()
    assert m.Referral.objects.awaiting_assessment().exists()
    assert m.Referral.objects.overdue(on=today).exists()
    assert m.Warrant.objects.to_execute().exists()
    assert m.Warrant.objects.awaiting_issue().exists()
    assert m.Safeguarding.objects.open().exists()
    assert m.VoluntaryInterview.objects.exists()
    assert set(m.Referral.objects.values_list("source", flat=True)) >= {
        Source.NCA_CEOP,
        Source.NCMEC,
        Source.FORCE_INTEL,
    }
    assert set(m.Referral.objects.exclude(risk="").values_list("risk", flat=True)) == set(
        RiskBand.values
    )
    assert set(m.Outcome.objects.values_list("outcome", flat=True)) == set(OutcomeKind.values)
    statuses = Counter(m.Device.objects.values_list("forensic_status", flat=True))
    assert set(statuses) == set(ForensicStatus.values)
    # A backlog: a real share of the devices still waits for triage.
    assert 0.15 < statuses[ForensicStatus.AWAITING_TRIAGE] / sum(statuses.values()) < 0.5
    # Signposting at most executed warrants, not all.
    executed = m.Warrant.objects.executed()
    signposted = executed.filter(signposting__isnull=False).distinct().count()
    assert 0.6 * executed.count() < signposted < executed.count()
    # More arrests than people arrested: some were arrested again.
    assert m.Arrest.objects.count() > 339
    # Every conviction has its sentence; every child is under 18.
    assert not m.Outcome.objects.filter(outcome=OutcomeKind.CONVICTED, sentence="").exists()
    assert m.Child.objects.count() == PRESS.children_safeguarded
    assert not m.Child.objects.filter(age__gt=17).exists()
    # Every device's chain of custody starts with its seizure, by whoever seized it.
    assert m.CustodyEvent.objects.values("device").distinct().count() == m.Device.objects.count()
    for device in m.Device.objects.prefetch_related("custody")[:300]:
        chain = list(device.custody.all())
        assert (chain[0].kind, chain[0].reason) == ("seizure", "Seized")
        assert chain[0].received_by == device.seized_by
        assert all(a.received_by == b.handed_by for a, b in itertools.pairwise(chain))
        assert (len(chain) > 2) == (device.forensic_status != ForensicStatus.AWAITING_TRIAGE)


def test_nothing_real_in_contact_details(demo_operation):
    emails = m.Identifier.objects.filter(kind="email").values_list("value", flat=True)
    assert emails
    assert all(e.rsplit("@", 1)[1].startswith("example.") for e in emails)
    phones = m.Identifier.objects.filter(kind="phone").values_list("normalised", flat=True)
    drama = ("07700900", "0292018", "01632960", "01174960", "01214960", "01514960")
    drama += ("01614960", "02079460")
    assert phones
    assert all(p.startswith(drama) for p in phones)
    ips = m.Identifier.objects.filter(kind="ip").values_list("normalised", flat=True)
    documentation = ("192.0.2.", "198.51.100.", "203.0.113.", "2001:db8:")
    assert ips
    assert all(ip.startswith(documentation) for ip in ips)
    ipv6 = [ip for ip in ips if ":" in ip]
    assert len(set(ipv6)) == len(ipv6)


def test_records_are_as_the_models_would_save_and_validate_them(demo_operation):
    # bulk_create skips save() and full_clean(): the loader must fill and check as they would.
    ignore = {"updated", "created"}
    for model in ORDER:
        if model is m.CustodyEvent:
            continue  # an append-only ledger: never saved twice (tested below)
        for obj in model.objects.order_by("pk")[:15]:
            obj.full_clean()
            before = snapshot(obj)
            obj.save()
            obj.refresh_from_db()
            after = snapshot(obj)
            changed = {k for k in before if before[k] != after[k]} - ignore
            assert not changed, (model.__name__, obj.pk, changed)


def test_every_record_passes_the_plausibility_rules(demo_operation):
    # Every record of the demo, as the pages, the API and a return would judge it.
    failures = []
    for model in ORDER:
        if not hasattr(model, "check_plausible"):
            continue
        qs = model.objects.order_by("pk")
        if any(f.name == "warrant" for f in model._meta.get_fields()):
            qs = qs.select_related("warrant")
        for obj in qs.iterator(chunk_size=2000):
            try:
                obj.check_plausible()
            except ValidationError as exc:
                failures.append((model.__name__, obj.ref, exc.message_dict))
    assert failures == []
    assert m.Safeguarding.objects.filter(children=0).count() == 0


def test_every_chain_of_custody_is_a_ledger_that_starts_with_the_seizure(demo_operation):
    chains = {}
    for entry in m.CustodyEvent.objects.order_by("device", "number"):
        chains.setdefault(entry.device_id, []).append(entry)
    assert len(chains) == m.Device.objects.count()
    for entries in chains.values():
        assert [e.number for e in entries] == list(range(1, len(entries) + 1))
        assert entries[0].kind == "seizure"
        for before, after in itertools.pairwise(entries):
            assert after.at > before.at
            assert after.handed_by == before.received_by != after.received_by
            assert after.body
            assert after.body_reference


def test_deconfliction_alerts_between_forces(demo_operation):
    assert demo_operation["alerts"] == m.Alert.objects.count() > 0
    for alert in m.Alert.objects.all():
        assert alert.other_force_id != alert.force_id
        assert alert.other_ref.startswith(("SW-SUB-", "GW-SUB-", "DP-SUB-", "NW-SUB-"))


def test_loading_twice_changes_nothing(demo_operation):
    before = counts()
    entries = AuditEntry.objects.count()
    again = load(stdout=io.StringIO(), prevention=False)
    assert sum(again["created"].values()) == 0
    assert again["alerts"] == 0
    assert counts() == before
    # One audit entry per load, not one per record.
    assert AuditEntry.objects.count() == entries + 1
    assert AuditEntry.objects.order_by("-seq").first().action == "demo load"


def test_a_load_writes_one_audit_entry_not_one_per_record(demo_operation):
    entries = AuditEntry.objects.filter(action="demo load")
    assert entries.count() == 1
    assert f"{sum(demo_operation['created'].values())} records created" in entries[0].detail
    casework = AuditEntry.objects.filter(model__startswith="casework.")
    # Only the deconfliction alerts, which are raised the way a page would raise them.
    assert set(casework.values_list("model", flat=True)) == {"casework.alert"}


def test_the_same_people_every_time(demo_operation):
    forces = operation.operation_forces()
    names = [
        [(s.given_names, s.family_name, s.date_of_birth) for s in op.records[m.Subject]]
        for op in build_copy(0, forces, {}, Faker("en_GB"))
    ]
    stored = [
        list(
            m.Subject.objects.filter(force=f, ref__regex=r"^[A-Z]{2}-SUB-\d+$")
            .order_by("ref")
            .values_list("given_names", "family_name", "date_of_birth")
        )
        for f in forces
    ]
    # Deconfliction's planted matches rename a few subjects; all others are as built.
    for built, saved in zip(names, stored, strict=True):
        same = sum(a == b for a, b in zip(built, saved, strict=True))
        assert same >= len(built) - 3


def test_more_copies_for_benchmarks_are_new_people_with_suffixed_refs(demo_operation):
    before = counts()
    written = operation.load_operation(scale=2)
    after = counts()
    # The plan of cases is the same in every copy; what happened to them varies.
    for name in ("Referral", "Subject", "RiskAssessment", "Child"):
        assert after[name] == 2 * before[name], name
    assert after["Device"] == 2 * PRESS.devices_seized
    copy = m.Subject.objects.filter(ref__endswith="-X002")
    assert copy.count() == before["Subject"]
    first = m.Subject.objects.get(force__slug="gwent", ref="GW-SUB-00001")
    second = m.Subject.objects.get(force__slug="gwent", ref="GW-SUB-00001-X002")
    assert (first.given_names, first.family_name) != (second.given_names, second.family_name)
    assert written.created["subjects"] == before["Subject"]
    # A copy already there is skipped as a whole.
    assert operation.load_operation(scale=2).total_created == 0
    assert m.Warrant.objects.executed().count() == 2 * 486


def test_apportion_is_exact_and_proportional():
    assert apportion(486, [42, 17, 19, 22]) == [204, 83, 92, 107]
    assert sum(apportion(7, [1, 1, 1])) == 7
    assert apportion(0, [3, 1]) == [0, 0]
    with pytest.raises(ValueError, match="cannot split"):
        apportion(5, [0, 0])


def test_force_totals_add_up_to_the_press_figures(db):
    shares = force_totals(operation.operation_forces())
    for name in ("warrants_executed", "people_arrested", "devices_seized"):
        assert sum(getattr(t, name) for t in shares.values()) == getattr(PRESS, name)


def test_the_planner_has_statistics_after_a_load(demo_operation):
    table = m.Subject._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
            assert cursor.fetchone()[0] > 0
        else:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            assert cursor.fetchone()[0] >= m.Subject.objects.count()
