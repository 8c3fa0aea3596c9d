"""Returns: whole-file validation, all-or-nothing import, idempotence, export round trip."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from tests.factories import force
from typer.testing import CliRunner

from netsafe.audit.models import AuditEntry
from netsafe.casework import models as m
from netsafe.returns import validation
from netsafe.returns.cli import app as returns_app
from netsafe.returns.exporter import export_force
from netsafe.returns.importer import import_return
from netsafe.returns.models import ReturnImport, ReturnRecord
from netsafe.returns.schema import SPECS

pytestmark = pytest.mark.django_db

CASEWORK = [
    m.Referral,
    m.Subject,
    m.Warrant,
    m.Arrest,
    m.VoluntaryInterview,
    m.Device,
    m.Safeguarding,
    m.Outcome,
    m.Signposting,
]


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def good_records(f: str = "gwent", prefix: str = "G") -> list[dict]:
    """One whole case of force ``f``: every record type, references in order."""
    return [
        {
            "type": "referral",
            "force": f,
            "ref": f"{prefix}R1",
            "received": "2016-11-02",
            "source": "nca-ceop",
            "risk": "high",
            "ceop_package": "CEOP-16-1234",  # unknown: kept, ignored
        },
        {"type": "subject", "force": f, "ref": f"{prefix}S1", "referral_ref": f"{prefix}R1"}
        | {"born": 1975, "postcode_district": "NP20"},
        {"type": "warrant", "force": f, "ref": f"{prefix}W1", "subject_ref": f"{prefix}S1"}
        | {"issued": "2016-11-05", "executed": "2016-11-08", "outcome": "3 devices seized"},
        {"type": "arrest", "force": f, "ref": f"{prefix}A1", "subject_ref": f"{prefix}S1"}
        | {"date": "2016-11-08", "warrant_ref": f"{prefix}W1", "offences": ["86/10"]},
        {"type": "voluntary_interview", "force": f, "ref": f"{prefix}V1"}
        | {"subject_ref": f"{prefix}S1", "date": "2016-12-01"},
        {"type": "device", "force": f, "ref": f"{prefix}D1", "seized": "2016-11-08"}
        | {"kind": "laptop", "warrant_ref": f"{prefix}W1", "subject_ref": f"{prefix}S1"},
        {"type": "device", "force": f, "ref": f"{prefix}D2", "seized": "2016-11-08"}
        | {"kind": "phone", "warrant_ref": f"{prefix}W1"},
        {"type": "safeguarding", "force": f, "ref": f"{prefix}G1", "subject_ref": f"{prefix}S1"}
        | {"date": "2016-11-09", "children": 2, "referred_to": "mash"},
        {"type": "outcome", "force": f, "ref": f"{prefix}O1", "subject_ref": f"{prefix}S1"}
        | {"date": "2017-03-01", "outcome": "charged"},
        {"type": "signposting", "force": f, "ref": f"{prefix}P1", "warrant_ref": f"{prefix}W1"}
        | {"to": "family"},
    ]


def stored_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in CASEWORK}
    counts["ReturnRecord"] = ReturnRecord.objects.count()
    counts["ReturnImport"] = ReturnImport.objects.count()
    return counts


def test_a_good_return_creates_every_record_with_its_values():
    result = import_return(jsonl(*good_records()), "gwent-2016-11.jsonl")
    assert result.ok, result.checked.report()
    assert result.counts["device"] == {"added": 2, "replaced": 0, "unchanged": 0}
    assert result.summary()[0] == "referral: 1 added, 0 replaced, 0 unchanged"
    gwent = force("gwent")
    referral = m.Referral.objects.get(force=gwent, ref="GR1")
    assert (referral.source, referral.risk, referral.received) == (
        "nca-ceop",
        "high",
        date(2016, 11, 2),
    )
    assert referral.action_due == date(2016, 11, 9)  # high: 7 days
    assert referral.actioned == date(2016, 11, 8)  # the warrant's execution
    warrant = m.Warrant.objects.get(ref="GW1")
    assert warrant.subject.ref == "GS1"
    assert warrant.executed == date(2016, 11, 8)
    assert m.Arrest.objects.get(ref="GA1").offences == ["86/10"]
    assert m.Device.objects.get(ref="GD2").subject.ref == "GS1"  # from its warrant
    assert m.Safeguarding.objects.get(ref="GG1").children == 2
    assert m.Signposting.objects.get(ref="GP1").date == date(2016, 11, 8)
    kept = ReturnRecord.objects.get(type="referral", ref="GR1")
    assert kept.data["ceop_package"] == "CEOP-16-1234"


def test_every_kind_of_problem_is_listed_by_line_and_nothing_is_stored():
    import_return(jsonl(*good_records("south-wales", "SW")), "sw.jsonl")
    before = stored_counts()
    audit_before = AuditEntry.objects.count()
    lines = [
        json.dumps(good_records()[0]),  # 1: good
        '{"type": "referral", "force": "gwent", "ref": "X1", ',  # 2: bad JSON
        json.dumps({"type": "car", "force": "gwent", "ref": "C1"}),  # 3
        json.dumps({"type": "referral", "force": "atlantis", "ref": "R9"}).replace(  # 4: force ...
            "}", ', "received": "2016-11-01", "source": "ncmec"}'
        ),
        json.dumps({"type": "referral", "force": "gwent", "ref": "R2", "source": "ncmec"}),  # 5
        json.dumps(
            {"type": "referral", "force": "gwent", "ref": "R3", "received": "24/11/2016"}
            | {"source": "ncmec"}
        ),  # 6: bad date
        json.dumps(
            {"type": "referral", "force": "gwent", "ref": "R4", "received": "2016-02-30"}
            | {"source": "ncmec"}
        ),  # 7: not a real date
        json.dumps(
            {"type": "referral", "force": "gwent", "ref": "R5", "received": "2016-11-01"}
            | {"source": "tip-off"}
        ),  # 8: bad choice
        json.dumps({"type": "subject", "force": "gwent", "ref": "S1", "referral_ref": "NOPE"}),
        json.dumps({"type": "subject", "force": "gwent", "ref": "S2", "referral_ref": "SWR1"}),
        json.dumps(good_records()[0]),  # 11: duplicate of line 1
        "[1, 2]",  # 12
    ]
    result = import_return("\n".join(lines) + "\n", "bad.jsonl")
    assert not result.ok
    assert result.checked.report() == [
        "2: bad JSON: Expecting property name enclosed in double quotes at column 53",
        "3: unknown type 'car': one of referral, subject, warrant, arrest, "
        "voluntary_interview, device, safeguarding, outcome, signposting",
        "4: referral: unknown force 'atlantis': one of dyfed-powys, gwent, north-wales, "
        "south-wales",
        "5: referral 'R2': missing required field 'received'",
        "6: referral 'R3': received must be a date as YYYY-MM-DD, not '24/11/2016'",
        "7: referral 'R4': received is not a real date: '2016-02-30'",
        "8: referral 'R5': source must be one of nca-ceop, ncmec, force-intel, other-force, "
        "other, not 'tip-off'",
        "9: subject 'S1': referral_ref 'NOPE' is not a referral of gwent in this file or "
        "already stored",
        # A reference to another force's record is dangling too: refs are per force.
        "10: subject 'S2': referral_ref 'SWR1' is not a referral of gwent in this file or "
        "already stored",
        "11: referral 'GR1' of gwent appears twice in this file (first on line 1): one "
        "record per force, type and ref",
        "12: a record is a JSON object, not list",
    ]
    assert stored_counts() == before
    assert AuditEntry.objects.count() == audit_before


def test_references_to_records_already_stored_are_found():
    first, *rest = good_records()
    assert import_return(jsonl(first), "referrals.jsonl").ok
    result = import_return(jsonl(*rest), "the-rest.jsonl")
    assert result.ok, result.checked.report()
    assert m.Subject.objects.get(ref="GS1").referral.ref == "GR1"


def test_a_warrant_of_another_subject_is_refused():
    records = good_records()
    records.insert(2, {"type": "subject", "force": "gwent", "ref": "GS2", "referral_ref": "GR1"})
    records[4]["subject_ref"] = "GS2"  # the arrest names GS2 but warrant GW1 is for GS1
    result = import_return(jsonl(*records), "mixed.jsonl")
    assert result.checked.report() == [
        "5: arrest 'GA1': warrant 'GW1' is for subject 'GS1', not 'GS2'"
    ]


def test_reimport_changes_nothing_and_a_later_record_replaces():
    content = jsonl(*good_records())
    import_return(content, "one.jsonl")
    before = stored_counts()
    updated = {m.__name__: list(m.objects.values_list("updated", flat=True)) for m in CASEWORK}
    casework_audit = AuditEntry.objects.filter(model__startswith="casework.").count()

    again = import_return(content, "one-again.jsonl")
    assert all(c["added"] == c["replaced"] == 0 for c in again.counts.values())
    assert sum(c["unchanged"] for c in again.counts.values()) == len(good_records())
    after = stored_counts()
    assert after.pop("ReturnImport") == before.pop("ReturnImport") + 1
    assert after == before
    assert {
        m.__name__: list(m.objects.values_list("updated", flat=True)) for m in CASEWORK
    } == updated
    assert AuditEntry.objects.filter(model__startswith="casework.").count() == casework_audit

    changed = good_records()
    changed[2]["executed"] = "2016-11-07"
    del changed[2]["outcome"]  # replaced, not merged: the outcome goes
    changed[0]["ceop_package"] = "CEOP-16-9999"  # only an unknown field changes
    result = import_return(jsonl(*changed), "two.jsonl")
    assert result.counts["warrant"] == {"added": 0, "replaced": 1, "unchanged": 0}
    assert result.counts["referral"] == {"added": 0, "replaced": 1, "unchanged": 0}
    warrant = m.Warrant.objects.get(ref="GW1")
    assert (warrant.executed, warrant.outcome) == (date(2016, 11, 7), "")
    assert ReturnRecord.objects.get(ref="GR1").data["ceop_package"] == "CEOP-16-9999"


def test_the_import_is_one_audit_entry_with_its_counts():
    result = import_return(jsonl(*good_records()), "gwent.jsonl")
    entry = AuditEntry.objects.get(action="returns import")
    assert entry.object_id == str(result.stored.pk)
    assert entry.changes["device"] == [None, {"added": 2, "replaced": 0, "unchanged": 0}]
    assert "gwent.jsonl" in entry.detail
    created = AuditEntry.objects.filter(model="casework.warrant", action="create").get()
    assert created.reason == "operation return gwent.jsonl"


def test_export_then_import_round_trips():
    records = good_records() + good_records("north-wales", "N")
    import_return(jsonl(*records), "both.jsonl")
    # A record entered on the pages is exported too, with a generated ref.
    subject = m.Subject.objects.get(ref="GS1")
    page_device = m.Device.objects.create(subject=subject, kind="storage", seized=date(2017, 1, 9))
    out = io.StringIO()
    result = export_force(force("gwent"), out)
    assert result.written["device"] == 3
    assert not result.left_out
    exported = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {r["force"] for r in exported} == {"gwent"}
    as_sent = {(r["type"], r["ref"]): r for r in good_records()}
    # A device seized under a warrant belongs to the warrant's subject.
    as_sent[("device", "GD2")]["subject_ref"] = "GS1"
    for record in exported:
        if record["ref"] == page_device.ref:
            assert record == {
                "type": "device",
                "force": "gwent",
                "ref": page_device.ref,
                "seized": "2017-01-09",
                "kind": "storage",
                "subject_ref": "GS1",
            }
        else:
            assert record == as_sent[(record["type"], record["ref"])]
    before = stored_counts()
    again = import_return(out.getvalue(), "exported.jsonl")
    assert again.ok, again.checked.report()
    assert sum(c["added"] + c["replaced"] for c in again.counts.values()) == 0
    after = stored_counts()
    for kept in ("ReturnImport", "ReturnRecord"):  # the page's device is now kept as sent
        before.pop(kept), after.pop(kept)
    assert after == before


def test_export_leaves_out_a_warrant_not_yet_issued_and_what_needs_it():
    import_return(jsonl(*good_records()), "gwent.jsonl")
    subject = m.Subject.objects.get(ref="GS1")
    pending = m.Warrant.objects.create(subject=subject, address="1 Stryd", applied=date(2017, 2, 1))
    m.Signposting.objects.create(warrant=pending, to="subject")
    out = io.StringIO()
    result = export_force(force("gwent"), out)
    assert result.left_out[0] == f"warrant {pending.ref}: no issued yet"
    assert result.left_out[1].endswith("its warrant is not in the return")
    assert import_return(out.getvalue(), "exported.jsonl").ok


@pytest.mark.django_db(databases=["default", "prevention"])
def test_cli_rejects_a_bad_file_with_exit_2_and_imports_a_good_one(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(jsonl(*good_records()), encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(jsonl({"type": "referral", "force": "gwent", "ref": "Z"}), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(returns_app, ["import", str(good), str(bad)])
    assert result.exit_code == 2
    assert "good.jsonl: imported" in result.stdout
    assert "  device: 2 added, 0 replaced, 0 unchanged" in result.stdout
    assert "1: referral 'Z': missing required field 'received'" in result.stderr
    assert "1: referral 'Z': missing required field 'source'" in result.stderr
    entry = AuditEntry.objects.get(action="returns import")
    assert entry.actor.startswith("command: netsafe returns import")

    out = tmp_path / "out.jsonl"
    exported = runner.invoke(returns_app, ["export", "--force", "gwent", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(good_records())
    unknown = runner.invoke(returns_app, ["export", "--force", "kent", "--out", str(out)])
    assert unknown.exit_code == 2
    assert "unknown force 'kent'" in unknown.stderr


def test_an_empty_file_and_bad_bytes_are_problems():
    assert import_return(b"", "empty.jsonl").checked.report() == ["1: the file holds no records"]
    report = import_return(b'{"type": "referral"}\n\xff\xfe\n', "bytes.jsonl").checked.report()
    assert report == [
        "1: referral: missing required field 'force'",
        "1: referral: missing required field 'ref'",
        "1: referral: missing required field 'received'",
        "1: referral: missing required field 'source'",
        "2: not UTF-8 text (byte 1)",
    ]


def test_a_broken_record_is_reported_once_not_again_by_the_records_that_refer_to_it():
    records = good_records()
    records[2]["issued"] = "05/11/2016"  # the warrant; arrest, devices, signposting refer to it
    report = import_return(jsonl(*records), "gwent.jsonl").checked.report()
    assert report == ["3: warrant 'GW1': issued must be a date as YYYY-MM-DD, not '05/11/2016'"]


def test_a_referral_keeps_the_due_date_of_its_assessment_when_the_band_is_the_same():
    from tests.casework.factories import case

    entered = case("gwent").referral  # assessed on the page: due date from the assessment
    due = entered.action_due
    out = io.StringIO()
    export_force(force("gwent"), out)
    again = import_return(out.getvalue(), "gwent.jsonl")
    assert again.counts["referral"] == {"added": 0, "replaced": 0, "unchanged": 1}
    entered.refresh_from_db()
    assert entered.action_due == due
    # Another band in a later return: the due date follows the return's band.
    line = json.loads(out.getvalue().splitlines()[0])
    line["risk"] = "low"
    import_return(jsonl(line), "gwent-later.jsonl")
    entered.refresh_from_db()
    assert entered.action_due == entered.received + timedelta(days=30)


def test_values_the_models_normalise_do_not_count_as_changes():
    records = good_records()
    records[1]["postcode_district"] = "np20"
    import_return(jsonl(*records), "gwent.jsonl")
    subject = m.Subject.objects.get(ref="GS1")
    assert subject.postcode_district == "NP20"
    subject.date_of_birth = date(1975, 6, 1)  # known on the page: the year follows it
    subject.save()
    del records[1]["born"]
    again = import_return(jsonl(*records), "gwent.jsonl")
    assert again.counts["subject"] == {"added": 0, "replaced": 0, "unchanged": 1}


@pytest.mark.django_db(databases=["default", "prevention"])
def test_the_command_refuses_to_replace_a_record_entered_on_screen_unless_told(tmp_path):
    from tests.casework import factories as cf

    typed = cf.referral("gwent", received=date(2017, 1, 9))  # entered on the pages
    path = tmp_path / "gwent.jsonl"
    records = good_records()
    records[0]["ref"] = typed.ref
    records[1]["referral_ref"] = typed.ref
    path.write_text(jsonl(*records), encoding="utf-8")
    before = stored_counts()
    runner = CliRunner()
    refused = runner.invoke(returns_app, ["import", str(path)])
    assert refused.exit_code == 2
    assert (
        f"1: referral '{typed.ref}' was entered on screen and this return would replace it: "
        "confirm the replacement on the upload page, or import with --replace-on-screen"
    ) in refused.stderr
    assert stored_counts() == before
    typed.refresh_from_db()
    assert typed.source == "nca-ceop"
    done = runner.invoke(returns_app, ["import", "--replace-on-screen", str(path)])
    assert done.exit_code == 0, done.output
    assert "referral: 0 added, 1 replaced, 0 unchanged" in done.stdout
    typed.refresh_from_db()
    assert (typed.source, typed.received) == ("nca-ceop", date(2016, 11, 2))


def test_every_kind_of_field_the_contract_uses_has_a_parser():
    # A kind added to the schema without a parser would refuse every return that uses it.
    kinds = {f.kind for spec in SPECS.values() for f in spec.fields}
    assert kinds == set(validation._PARSERS)
