"""The operation bank across forces (issue 16): a grade confirmed in South Wales is the
suggestion in Gwent's later triage of the same picture, counted as "confirmed elsewhere",
while Gwent's pages, API and exports show nothing of South Wales's case; graders who
disagree reach the supervisors of both forces, and a second opinion settles it, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.casework import factories as cf
from tests.examination.conftest import PICTURES, triage
from tests.factories import make_user
from tests.translations import untranslated
from tests.triage.conftest import jpeg_bytes, photo

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry
from netsafe.casework import models as m
from netsafe.casework.choices import DeviceKind
from netsafe.examination import bank, grading
from netsafe.examination.models import BankEntry, BankStatus, Disagreement, ReviewImage

pytestmark = pytest.mark.django_db

#: Gwent's phone: two pictures South Wales's laptop also holds (under other names), and one
#: of its own.
GWENT_PICTURES = {
    "Pictures/IMG_0001.jpg": PICTURES["DCIM/holiday.jpg"],
    "Pictures/IMG_0002.jpg": PICTURES["DCIM/b.jpg"],
    "Pictures/IMG_0003.jpg": jpeg_bytes(photo(31)),
}


def _image(job, path) -> ReviewImage:
    return job.images.get(path=path)


@pytest.fixture
def gwent(store, db):
    """Gwent's subject, phone (evidence folder GW-7-phone), examiner and supervisor."""
    folder = store.root / "GW-7-phone"
    for rel, data in GWENT_PICTURES.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    subject = cf.subject("gwent", given_names="Bryn", family_name="Gwentish")
    device = m.Device.objects.create(subject=subject, kind=DeviceKind.PHONE, exhibit_ref="BG/7")
    return {
        "device": device,
        "examiner": make_user("gw-exam", "gwent", Role.EXAMINER),
        "supervisor": make_user("gw-sup", "gwent", Role.SUPERVISOR),
    }


@pytest.fixture
def south_wales_graded(store, exhibit, examiner):
    """South Wales's laptop triaged, its unknown holiday picture graded C, b.jpg B."""
    job = triage(exhibit, "JS-1-laptop", examiner)
    grading.grade(_image(job, "DCIM/holiday.jpg"), "C", examiner)
    grading.grade(_image(job, "DCIM/b.jpg"), "B", examiner)
    return job


UK = ",".join(f"{k}={v}" for k, v in bank.UK_VICS_CATEGORIES.items())


#: What Gwent must never see of South Wales's case.
def _south_wales_secrets(exhibit, examiner) -> list[str]:
    subject = exhibit.subject
    return [
        subject.family_name,
        subject.ref,
        subject.referral.ref,
        exhibit.ref,
        exhibit.exhibit_ref,
        "JS-1-laptop",
        "DCIM/holiday.jpg",
        examiner.username,
        "South Wales",
        "south-wales",
    ]


def test_a_grade_in_one_force_is_the_suggestion_in_another_forces_latertriage(
    client, store, exhibit, examiner, south_wales_graded, gwent
):
    job = triage(gwent["device"], "GW-7-phone", gwent["examiner"])
    holiday = _image(job, "Pictures/IMG_0001.jpg")
    # Unknown to every hash set, known to the operation: the bank's category is suggested.
    assert (holiday.suggested, holiday.match_kind) == ("C", bank.BANK)
    # A hash set's exact match gives way to the operation's confirmed grade (the same here).
    b = _image(job, "Pictures/IMG_0002.jpg")
    assert (b.suggested, b.match_kind) == ("B", bank.BANK)
    assert _image(job, "Pictures/IMG_0003.jpg").suggested == ""
    # The grid counts it as confirmed elsewhere, and names nothing of where.
    client.force_login(gwent["examiner"])
    page = client.get(reverse("examination:review", args=[job.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Confirmed C elsewhere in the operation 1 time" in text
    for secret in _south_wales_secrets(exhibit, examiner):
        assert secret not in text, secret


def test_the_bank_suggests_by_md5_where_only_md5_is_known(store, exhibit, examiner, gwent):
    # A bank entry carrying only the MD5 half of a match (as a set holding MD5 alone would).
    job = triage(exhibit, "JS-1-laptop", examiner)
    kept = _image(job, "old.zip!inner/kept.jpg")
    BankEntry.objects.create(
        sha1="f" * 40, md5=kept.md5, category="A", first_confirmed=job.finished_at
    )
    images = [ReviewImage(sha1="e" * 40, md5=kept.md5, suggested="")]
    bank.suggest(images)
    assert (images[0].suggested, images[0].match_kind) == ("A", bank.BANK)


def test_gwents_pages_api_and_exports_show_nothing_of_south_wales(
    client, store, exhibit, examiner, south_wales_graded, gwent
):
    job = triage(gwent["device"], "GW-7-phone", gwent["examiner"])
    secrets = _south_wales_secrets(exhibit, examiner)
    holiday = _image(job, "Pictures/IMG_0001.jpg")
    client.force_login(gwent["examiner"])
    answers = [
        client.get(reverse("examination:bank")),
        client.get(reverse("examination:bank-export-vics")),
        client.get(reverse("examination:bank-export-csv")),
        client.get(reverse("examination:leads", args=[job.pk])),
        client.get(reverse("examination:charging-device", args=[gwent["device"].pk])),
        client.post(
            reverse("examination:grade", args=[holiday.pk]),
            {"grade": "C"},
            HTTP_ACCEPT="application/json",
        ),
        client.get("/api/devices/"),
    ]
    for response in answers:
        assert response.status_code == 200, response
        text = response.content.decode()
        for secret in secrets:
            assert secret not in text, (response.request["PATH_INFO"], secret)
    # The exports hold the pictures' content and category, and South Wales's records stay
    # out of Gwent's reach.
    assert holiday.sha1.upper() in answers[1].content.decode()
    assert client.get(exhibit.get_absolute_url()).status_code == 404
    their_grid = reverse("examination:review", args=[south_wales_graded.pk])
    assert client.get(their_grid).status_code == 404


def test_a_disagreement_reaches_the_supervisors_of_both_forces(
    client, store, exhibit, examiner, south_wales_graded, gwent
):
    job = triage(gwent["device"], "GW-7-phone", gwent["examiner"])
    holiday = _image(job, "Pictures/IMG_0001.jpg")
    grading.grade(holiday, "B", gwent["examiner"])  # South Wales said C
    entry = BankEntry.objects.get(sha1=holiday.sha1)
    assert entry.status == BankStatus.DISPUTED
    d = Disagreement.objects.get()
    assert {f.slug for f in d.forces.all()} == {"south-wales", "gwent"}
    sw_supervisor = make_user("sw-sup", "south-wales", Role.SUPERVISOR)
    dp_supervisor = make_user("dp-sup", "dyfed-powys", Role.SUPERVISOR)
    for supervisor in (sw_supervisor, gwent["supervisor"]):
        client.force_login(supervisor)
        my_work = client.get(reverse("casework:my-work")).content.decode()
        assert "Grading disagreements for a second opinion" in my_work
        assert d.get_absolute_url() in my_work
        detail = client.get(d.get_absolute_url()).content.decode()
        assert "B: 1 grader" in detail
        assert "C: 1 grader" in detail
    # Each sees their own force's copy, never the other's.
    client.force_login(gwent["supervisor"])
    detail = client.get(d.get_absolute_url()).content.decode()
    assert "Pictures/IMG_0001.jpg" in detail
    for secret in _south_wales_secrets(exhibit, examiner):
        assert secret not in detail, secret
    # A force not party to it, and an examiner, are told it does not exist.
    for outsider in (dp_supervisor, gwent["examiner"]):
        client.force_login(outsider)
        assert client.get(d.get_absolute_url()).status_code == 404
        assert d.get_absolute_url() not in client.get(reverse("casework:my-work")).content.decode()


def test_the_second_opinion_settles_it_and_is_audited(
    client, store, exhibit, examiner, south_wales_graded, gwent
):
    job = triage(gwent["device"], "GW-7-phone", gwent["examiner"])
    grading.grade(_image(job, "Pictures/IMG_0001.jpg"), "B", gwent["examiner"])
    d = Disagreement.objects.get()
    client.force_login(gwent["supervisor"])
    url = reverse("examination:disagreement-resolve", args=[d.pk])
    refused = client.post(url, {"category": "C", "reason": ""}, follow=True)
    assert "Give the reason for the second opinion." in refused.content.decode()
    client.post(url, {"category": "B", "reason": "Second viewing: category B"})
    d.refresh_from_db()
    assert (d.resolved_category, d.resolved_by) == ("B", gwent["supervisor"])
    entry = d.entry
    entry.refresh_from_db()
    assert (entry.category, entry.status) == ("B", BankStatus.RESOLVED)
    # One second opinion: the other force's supervisor cannot overwrite it.
    client.force_login(make_user("sw-sup2", "south-wales", Role.SUPERVISOR))
    again = client.post(url, {"category": "A", "reason": "No"}, follow=True)
    assert "This disagreement was settled already." in again.content.decode()
    client.force_login(gwent["supervisor"])
    audit = AuditEntry.objects.get(action="second-opinion")
    assert audit.changes == {"category": ["C", "B"]}
    assert audit.reason == "Second viewing: category B"
    assert audit.username == "gw-sup"
    # Settled: off both supervisors' My work, and exported again.
    assert Disagreement.objects.open().count() == 0
    assert BankEntry.objects.exportable().filter(pk=entry.pk).exists()
    # A later grade that differs from the second opinion opens a new disagreement.
    third = triage(
        m.Device.objects.create(
            subject=cf.subject("gwent"), kind=DeviceKind.STORAGE, exhibit_ref="BG/8"
        ),
        _copy_folder(store, "GW-7-phone", "GW-8-usb"),
        gwent["examiner"],
    )
    grading.grade(_image(third, "Pictures/IMG_0001.jpg"), "A", gwent["examiner"])
    assert Disagreement.objects.open().count() == 1


def _copy_folder(store, source: str, target: str) -> str:
    import shutil

    shutil.copytree(store.root / source, store.root / target)
    return target


def test_a_disputed_picture_is_not_exported(store, exhibit, examiner, south_wales_graded, gwent):
    job = triage(gwent["device"], "GW-7-phone", gwent["examiner"])
    holiday = _image(job, "Pictures/IMG_0001.jpg")
    grading.grade(holiday, "B", gwent["examiner"])
    exported = {e.sha1 for e in bank.entries()}
    assert holiday.sha1 not in exported
    assert _image(south_wales_graded, "DCIM/b.jpg").sha1 in exported


def test_regrading_by_the_only_grader_moves_the_bank_without_a_disagreement(
    store, exhibit, examiner, south_wales_graded
):
    holiday = _image(south_wales_graded, "DCIM/holiday.jpg")
    grading.grade(holiday, "A", examiner)
    entry = BankEntry.objects.get(sha1=holiday.sha1)
    assert (entry.category, entry.status) == ("A", BankStatus.AGREED)
    assert not Disagreement.objects.exists()


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_the_bank_and_disagreement_pages_speak_welsh(
    client, store, exhibit, examiner, south_wales_graded, gwent
):
    job = triage(gwent["device"], "GW-7-phone", gwent["examiner"])
    holiday = _image(job, "Pictures/IMG_0001.jpg")
    grading.grade(holiday, "B", gwent["examiner"])
    d = Disagreement.objects.get()
    supervisor = gwent["supervisor"]
    client.force_login(supervisor)
    pages = [
        reverse("examination:bank"),
        reverse("examination:disagreements"),
        d.get_absolute_url(),
    ]
    english = {p: _main(client.get(p).content.decode()) for p in pages}
    supervisor.language = "cy"
    supervisor.save()
    # Codes: the hashes, the categories given, the command line, the grade's own label.
    codes = {
        holiday.sha1,
        holiday.sha1[:12],
        "B \u00d7 1, C \u00d7 1",
        f"netsafe triage scan EVIDENCE --out DIR --hashset bank.json --vics-categories {UK}",
    }
    left = {
        p: untranslated(html, _main(client.get(p).content.decode()), codes)
        for p, html in english.items()
    }
    assert left == {p: [] for p in english}
    assert "Anghytundeb graddio" in client.get(d.get_absolute_url()).content.decode()


def _old_job(old, slug: str):
    """A finished triage job of ``slug``'s force, in the models of an earlier migration."""
    from django.utils import timezone

    force, _ = old.get_model("accounts", "Force").objects.get_or_create(
        slug=slug, defaults={"name": slug.title()}
    )
    referral = old.get_model("casework", "Referral").objects.create(
        force=force, ref=f"R-{slug}", source="ncmec", received=timezone.localdate()
    )
    subject = old.get_model("casework", "Subject").objects.create(
        force=force, ref=f"S-{slug}", referral=referral, given_names="A", family_name="B"
    )
    device = old.get_model("casework", "Device").objects.create(
        force=force, ref=f"D-{slug}", subject=subject, kind="phone"
    )
    return old.get_model("examination", "TriageJob").objects.create(
        force=force, device=device, evidence=f"ev-{slug}", status="done"
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_banks_the_grades_given_before_the_bank():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before, after = ("examination", "0001_initial"), ("examination", "0002_bank_leads_charging")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    image = old.get_model("examination", "ReviewImage")
    jobs_by_force = {slug: _old_job(old, slug) for slug in ("gwent", "south-wales")}
    now = timezone.now()
    for slug, sha1, grade in [
        ("gwent", "1" * 40, "A"),
        ("south-wales", "1" * 40, "A"),
        ("gwent", "2" * 40, "B"),
        ("south-wales", "2" * 40, "C"),
        ("gwent", "3" * 40, ""),
    ]:
        job = jobs_by_force[slug]
        image.objects.create(
            force_id=job.force_id,
            job=job,
            path=f"{sha1[:1]}.jpg",
            sha1=sha1,
            grade=grade,
            graded_at=now if grade else None,
        )
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    new = executor.loader.project_state([after]).apps
    entries = {
        e.sha1: (e.category, e.status)
        for e in new.get_model("examination", "BankEntry").objects.all()
    }
    assert entries == {"1" * 40: ("A", "agreed"), "2" * 40: ("B", "disputed")}
    d = new.get_model("examination", "Disagreement").objects.get()
    assert {f.slug for f in d.forces.all()} == {"gwent", "south-wales"}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _settle(client, gwent, category: str) -> Disagreement:
    """Gwent grades the holiday picture B (South Wales said C); Gwent's supervisor settles."""
    job = triage(gwent["device"], "GW-7-phone", gwent["examiner"])
    grading.grade(_image(job, "Pictures/IMG_0001.jpg"), "B", gwent["examiner"])
    d = Disagreement.objects.get()
    client.force_login(gwent["supervisor"])
    # The form says what a second opinion does to the examiners' grades.
    form = client.get(d.get_absolute_url()).content.decode()
    assert "It changes no examiner\u2019s grade" in form
    url = reverse("examination:disagreement-resolve", args=[d.pk])
    client.post(url, {"category": category, "reason": "Second viewing"})
    d.refresh_from_db()
    assert d.resolved_category == category
    return d


def test_the_second_opinion_flags_the_grades_that_differ_for_re_review_and_keeps_them(
    client, store, exhibit, examiner, south_wales_graded, gwent
):
    """A grade is its examiner's decision: the second opinion never overwrites it. Every
    item graded otherwise, in every force, keeps its grade and is flagged for its examiner
    to review (audited); items graded as the second opinion are not flagged."""
    d = _settle(client, gwent, "B")
    holiday = _image(south_wales_graded, "DCIM/holiday.jpg")
    assert (holiday.grade, holiday.graded_by, holiday.second_opinion) == ("C", examiner, "B")
    theirs = ReviewImage.objects.get(path="Pictures/IMG_0001.jpg")
    assert (theirs.grade, theirs.second_opinion) == ("B", "")
    flag = AuditEntry.objects.get(action="second-opinion-review")
    assert flag.object_id == str(holiday.pk)
    assert flag.changes == {"second_opinion": ["", "B"]}
    # South Wales's record, flagged by the system: Gwent's supervisors, who read the
    # entries of Gwent's users, never see where South Wales holds the picture.
    assert (flag.username, flag.force, flag.object_force) == ("", "", "south-wales")
    assert flag.reason == f"second opinion on grading disagreement {d.pk}"
    assert "GW-7-phone" not in flag.detail
    assert "Pictures/" not in flag.detail
    seen_by_gwent = AuditEntry.objects.visible_to(gwent["supervisor"])
    assert not seen_by_gwent.filter(pk=flag.pk).exists()
    sw_supervisor = make_user("sw-sup", "south-wales", Role.SUPERVISOR)
    assert AuditEntry.objects.visible_to(sw_supervisor).filter(pk=flag.pk).exists()
    # The charging document counts the grade given, and says it awaits re-review.
    client.force_login(examiner)
    charging = client.get(reverse("examination:charging-device", args=[exhibit.pk]))
    awaits = "1 graded picture awaits its examiner\u2019s review after a second opinion"
    assert awaits in charging.content.decode()


def test_the_examiner_sees_the_second_opinion_and_regrading_clears_it_undoably(
    client, store, exhibit, examiner, south_wales_graded, gwent
):
    _settle(client, gwent, "B")
    holiday = _image(south_wales_graded, "DCIM/holiday.jpg")
    client.force_login(examiner)
    grid = reverse("examination:review", args=[south_wales_graded.pk])
    page = client.get(grid)
    tile = next(t for t in page.context["tiles"] if t.pk == holiday.pk)
    assert tile.second_opinion == "B"
    assert "Second opinion: B" in page.content.decode()
    # The filter shows only the pictures to review again.
    only = client.get(grid, {"review": "1"})
    assert [t.pk for t in only.context["tiles"]] == [holiday.pk]
    assert (
        "Second opinion: B"
        in client.get(reverse("examination:item", args=[holiday.pk])).content.decode()
    )
    # The examiner's queue lists the device again: it has a picture to review.
    queue = client.get(reverse("examination:queue"))
    assert south_wales_graded in list(queue.context["to_grade"])
    # Saying why, with the way to those pictures.
    review = reverse("examination:review", args=[south_wales_graded.pk]) + "?review=1"
    assert f'href="{review}" data-to-review>1 to review after a second opinion' in (
        queue.content.decode()
    )
    # Graded again (as the second opinion): the flag is cleared, the bank agrees.
    answer = client.post(
        reverse("examination:grade", args=[holiday.pk]),
        {"grade": "B"},
        HTTP_ACCEPT="application/json",
    ).json()
    assert answer["tiles"][str(holiday.pk)]["second_opinion"] == ""
    holiday.refresh_from_db()
    assert (holiday.grade, holiday.second_opinion) == ("B", "")
    assert Disagreement.objects.open().count() == 0
    assert AuditEntry.objects.filter(
        action="grade",
        object_id=str(holiday.pk),
        changes={"grade": ["C", "B"], "second_opinion": ["B", ""]},
    ).exists()
    # Undone: the examiner's own grade and the flag both come back.
    undone = client.post(
        reverse("examination:undo", args=[south_wales_graded.pk]), HTTP_ACCEPT="application/json"
    ).json()
    assert undone["tiles"][str(holiday.pk)]["second_opinion"] == "B"
    holiday.refresh_from_db()
    assert (holiday.grade, holiday.second_opinion) == ("C", "B")
    # Back to awaiting review, not a new disagreement.
    assert Disagreement.objects.open().count() == 0


def test_the_second_opinion_becomes_the_suggestion_of_copies_not_graded_yet(
    client, store, exhibit, examiner, south_wales_graded, gwent
):
    copy = triage(
        m.Device.objects.create(
            subject=exhibit.subject, kind=DeviceKind.STORAGE, exhibit_ref="JS/9"
        ),
        _copy_folder(store, "JS-1-laptop", "JS-9-usb"),
        examiner,
    )
    assert _image(copy, "DCIM/holiday.jpg").suggested == "C"
    _settle(client, gwent, "A")
    fresh = _image(copy, "DCIM/holiday.jpg")
    assert (fresh.suggested, fresh.match_kind, fresh.grade) == ("A", bank.BANK, "")
    assert fresh.second_opinion == ""  # not graded: nothing to review, only a suggestion


#: Gwent's second phone: a re-encoding of South Wales's holiday picture (other bytes, the
#: same picture to the eye), and an unrelated picture.
RE_ENCODED = jpeg_bytes(photo(14), quality=60)


def test_a_near_identical_picture_in_a_later_triage_gets_the_banks_suggestion(
    client, store, exhibit, examiner, south_wales_graded, gwent
):
    """The bank keeps each picture's PDQ (as the triage computed it), so a re-encoded copy,
    which no digest matches, is suggested the bank's category as a near match."""
    holiday = _image(south_wales_graded, "DCIM/holiday.jpg")
    assert holiday.pdq
    assert BankEntry.objects.get(sha1=holiday.sha1).pdq == holiday.pdq
    folder = store.root / "GW-9-phone"
    folder.mkdir()
    (folder / "resized.jpg").write_bytes(RE_ENCODED)
    (folder / "other.jpg").write_bytes(jpeg_bytes(photo(41)))
    job = triage(gwent["device"], "GW-9-phone", gwent["examiner"])
    near = _image(job, "resized.jpg")
    assert near.sha1 != holiday.sha1
    assert (near.suggested, near.match_kind) == ("C", bank.BANK_NEAR)
    assert 0 < near.distance <= bank.NEAR_DISTANCE
    assert (_image(job, "other.jpg").suggested, _image(job, "other.jpg").match_kind) == ("", "")
    # Marked as a near match on its tile, as a hash set's perceptual match is.
    client.force_login(gwent["examiner"])
    grid = client.get(reverse("examination:review", args=[job.pk])).content.decode()
    assert ">C~</span>" in grid


def test_the_second_opinion_becomes_the_suggestion_of_near_copies_not_graded_yet(
    client, store, exhibit, examiner, south_wales_graded, gwent
):
    """A re-encoded copy suggested the bank's category through its PDQ takes the second
    opinion as a copy with the same digest does: its suggestion came from the bank."""
    folder = store.root / "GW-9-phone"
    folder.mkdir()
    (folder / "resized.jpg").write_bytes(RE_ENCODED)
    phone = m.Device.objects.create(
        subject=gwent["device"].subject, kind=DeviceKind.PHONE, exhibit_ref="GW/9"
    )
    job = triage(phone, "GW-9-phone", gwent["examiner"])
    assert (_image(job, "resized.jpg").suggested, _image(job, "resized.jpg").match_kind) == (
        "C",
        bank.BANK_NEAR,
    )
    _settle(client, gwent, "A")
    near = _image(job, "resized.jpg")
    assert (near.suggested, near.match_kind, near.grade) == ("A", bank.BANK_NEAR, "")
    assert 0 < near.distance <= bank.NEAR_DISTANCE
    assert near.second_opinion == ""  # not graded: nothing to review, only a suggestion


def test_a_disputed_picture_suggests_nothing_to_near_identical_ones(
    store, exhibit, examiner, south_wales_graded, gwent
):
    holiday = _image(south_wales_graded, "DCIM/holiday.jpg")
    BankEntry.objects.filter(sha1=holiday.sha1).update(status=BankStatus.DISPUTED)
    images = [ReviewImage(sha1="e" * 40, pdq=holiday.pdq, suggested="")]
    bank.suggest(images)
    assert (images[0].suggested, images[0].match_kind) == ("", "")


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_banked_pictures_the_pdq_of_a_graded_copy():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before = ("examination", "0003_review_item_locator")
    after = ("examination", "0004_second_opinion_bank_pdq")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    job = _old_job(old, "gwent")
    image = old.get_model("examination", "ReviewImage")
    for sha1, pdq, video in [
        ("1" * 40, "", False),
        ("1" * 40, "ab" * 32, False),
        ("2" * 40, "cd" * 32, True),
    ]:
        image.objects.create(
            force_id=job.force_id,
            job=job,
            path=sha1[:1],
            sha1=sha1,
            pdq=pdq,
            is_video=video,
            grade="A",
        )
        old.get_model("examination", "BankEntry").objects.get_or_create(
            sha1=sha1, defaults={"category": "A", "first_confirmed": timezone.now()}
        )
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    new = executor.loader.project_state([after]).apps
    pdqs = dict(new.get_model("examination", "BankEntry").objects.values_list("sha1", "pdq"))
    assert pdqs == {"1" * 40: "ab" * 32, "2" * 40: ""}  # a video's PDQ is no picture's
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_an_undone_grade_leaves_the_bank_as_if_it_was_never_given(
    client, store, exhibit, examiner, gwent
):
    """Found by hand: after U (undo) the tile said "bank B" and another force's triage was
    suggested B, from a grade no one gives any more. An undone grade leaves the bank."""
    job = triage(exhibit, "JS-1-laptop", examiner)
    holiday = _image(job, "DCIM/holiday.jpg")
    grading.grade(holiday, "C", examiner)
    assert BankEntry.objects.filter(sha1=holiday.sha1).exists()
    grading.undo(job, examiner)
    assert not BankEntry.objects.filter(sha1=holiday.sha1).exists()
    assert (
        _image(
            triage(gwent["device"], "GW-7-phone", gwent["examiner"]), "Pictures/IMG_0001.jpg"
        ).suggested
        == ""
    )
    # Where others graded it too, theirs stand: the bank keeps their category.
    b = _image(job, "DCIM/b.jpg")
    grading.grade(b, "B", examiner)
    theirs = ReviewImage.objects.get(path="Pictures/IMG_0002.jpg")
    grading.grade(theirs, "A", gwent["examiner"])  # disputed: B against A
    grading.grade(holiday, "A", examiner)
    grading.undo(job, examiner)  # the holiday picture's grade, not b.jpg's
    entry = BankEntry.objects.get(sha1=b.sha1)
    assert entry.status == BankStatus.DISPUTED
    # Only the examiner's own, undone: the one grade left decides.
    three = _image(job, "DCIM/holiday.jpg")
    grading.grade(three, "C", examiner)
    grading.grade(three, "B", examiner)
    grading.undo(job, examiner)
    assert BankEntry.objects.get(sha1=three.sha1).category == "C"


def test_my_works_disagreements_ask_one_statement_and_none_for_others(
    rf, store, exhibit, examiner, south_wales_graded, gwent
):
    from django.db import connection
    from django.template import Context, Template
    from django.test.utils import CaptureQueriesContext

    job = triage(gwent["device"], "GW-7-phone", gwent["examiner"])
    grading.grade(_image(job, "Pictures/IMG_0001.jpg"), "B", gwent["examiner"])  # SW said C
    request = rf.get("/")
    request.user = gwent["supervisor"]
    tag = Template("{% load bank %}{% bank_disagreements %}")
    tag.render(Context({"request": request}))  # the user's roles, read once a request
    with CaptureQueriesContext(connection) as asked:
        html = tag.render(Context({"request": request}))
    assert "Grading disagreements for a second opinion" in html
    assert len(asked.captured_queries) == 1  # the rows; their number is the total
    assert "See all" not in html
    # Anyone who settles none asks nothing.
    request.user = gwent["examiner"]
    tag.render(Context({"request": request}))
    with CaptureQueriesContext(connection) as asked:
        assert "disagreements" not in tag.render(Context({"request": request}))
    assert asked.captured_queries == []
