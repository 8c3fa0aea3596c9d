"""Deconfliction: both forces are told, and told nothing of the other's subject."""

from __future__ import annotations

from datetime import date

import pytest
from tests.casework import factories as cf
from tests.factories import force

from netsafe.casework import normalise
from netsafe.casework.choices import IdentifierKind
from netsafe.casework.models import Alert

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "ours", "theirs"),
    [
        (IdentifierKind.EMAIL, "Alun.P+iioc@Example.com", "alun.p@example.com"),
        (IdentifierKind.PHONE, "+44 7700 900123", "07700-900123"),
        (IdentifierKind.ACCOUNT, "@Dragon_Boy", "dragon_boy"),
        (IdentifierKind.IP, "2001:db8:0:0::1", "2001:DB8::1"),
    ],
)
def test_a_shared_identifier_in_normal_form_alerts_both_forces(kind, ours, theirs):
    gwent = cf.subject("gwent", given_names="Rhys", family_name="Morgan")
    cf.identifier(gwent, kind, theirs)
    sw_referral = cf.referral("south-wales")
    assert not Alert.objects.exists()
    cf.identifier(sw_referral, kind, ours)
    to_sw = Alert.objects.get(force=force("south-wales"))
    to_gwent = Alert.objects.get(force=force("gwent"))
    assert (to_sw.referral, to_sw.other_force, to_sw.other_ref) == (
        sw_referral,
        force("gwent"),
        gwent.ref,
    )
    assert (to_gwent.subject, to_gwent.other_force, to_gwent.other_ref) == (
        gwent,
        force("south-wales"),
        sw_referral.ref,
    )
    assert to_gwent.other_contact == force("south-wales").contact


def test_address_and_name_with_date_of_birth_match_too():
    theirs = cf.subject(
        "north-wales", given_names="Siân", family_name="Hughes", date_of_birth=date(1975, 2, 3)
    )
    cf.address(theirs, "Flat 2, 10 Stryd Fawr", "LL57 1AA")
    ours = cf.subject(
        "dyfed-powys", given_names="SIAN", family_name="hughes ", date_of_birth=date(1975, 2, 3)
    )
    assert Alert.objects.filter(matched_on="name and date of birth").count() == 2
    other = cf.subject("gwent", given_names="Someone", family_name="Else")
    cf.address(other, "flat 2 10 stryd fawr", "ll571aa")
    assert Alert.objects.filter(matched_on="address").count() == 2
    assert ours.alerts.count() == 1


def test_the_same_force_is_not_alerted_and_alerts_are_not_repeated():
    first = cf.subject("gwent")
    cf.identifier(first, IdentifierKind.PHONE, "07700900123")
    second = cf.subject("gwent")
    cf.identifier(second, IdentifierKind.PHONE, "07700 900123")
    assert not Alert.objects.exists()
    theirs = cf.subject("south-wales", given_names="Other", family_name="Person")
    cf.identifier(theirs, IdentifierKind.PHONE, "+447700900123")
    count = Alert.objects.count()
    assert count == 4  # two gwent subjects, each pair told both ways
    cf.identifier(theirs, IdentifierKind.PHONE, "07700 900 123")
    assert Alert.objects.count() == count


def test_bad_identifiers_are_refused_with_what_was_wrong():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="not an IP address"):
        normalise.identifier(IdentifierKind.IP, "999.1.1.1")
    with pytest.raises(ValidationError, match="not an e-mail"):
        normalise.identifier(IdentifierKind.EMAIL, "nobody")


def test_the_alert_reveals_nothing_of_the_other_forces_subject(client):
    from django.urls import reverse
    from tests.factories import make_user

    from netsafe.accounts.roles import Role

    theirs = cf.subject(
        "north-wales",
        given_names="Myfanwy",
        family_name="Tudur-Secret",
        date_of_birth=date(1971, 8, 9),
        postcode_district="LL55",
        notes="Works at the leisure centre",
    )
    cf.identifier(theirs, IdentifierKind.PHONE, "07700 900777")
    cf.address(theirs, "Tŷ Gwyn, Lôn Isaf", "LL55 4AA")
    ours = cf.subject("gwent", given_names="G", family_name="H", date_of_birth=date(1990, 1, 1))
    cf.identifier(ours, IdentifierKind.PHONE, "+44 7700 900777")
    alert = Alert.objects.get(force__slug="gwent")
    # What only North Wales holds (the phone number is ours too, so it may show on our pages).
    secrets = [
        "Myfanwy",
        "Tudur-Secret",
        "1971",
        "LL55",
        "leisure",
        "Gwyn",
        theirs.referral.ref + " ",
    ]
    supervisor = make_user("gw-sup", "gwent", Role.SUPERVISOR)
    client.force_login(supervisor)
    pages = [
        reverse("casework:alert-list"),
        reverse("casework:alert-detail", args=[alert.pk]),
        reverse("casework:my-work"),
        ours.get_absolute_url(),
        reverse("api:alert-list"),
        reverse("api:alert-detail", args=[alert.pk]),
    ]
    for url in pages:
        text = client.get(url).content.decode()
        assert "North Wales Police" in text or "north-wales" in text, url
        for secret in secrets:
            assert secret not in text, (url, secret)
    detail = client.get(reverse("api:alert-detail", args=[alert.pk])).json()
    assert (detail["other_force"], detail["other_ref"], detail["other_contact"]) == (
        "north-wales",
        theirs.ref,
        force("north-wales").contact,
    )
    # Only the other force's reference and contact: no identifier of theirs is stored.
    assert set(detail) == {
        "id",
        "force",
        "subject",
        "referral",
        "matched_on",
        "other_force",
        "other_ref",
        "other_contact",
        "created",
        "acknowledged_at",
    }
    # The supervisor marks it dealt with; an officer does not see alerts at all.
    client.post(reverse("casework:alert-acknowledge", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.acknowledged_by == supervisor
    client.force_login(make_user("gw-off", "gwent", Role.OFFICER))
    assert client.get(reverse("casework:alert-detail", args=[alert.pk])).status_code == 404


def test_a_referral_held_first_is_matched_when_another_force_adds_the_subject_later():
    ours = cf.referral("south-wales")
    cf.identifier(ours, IdentifierKind.ACCOUNT, "night_owl_77", service="Kik")
    assert not Alert.objects.exists()
    theirs = cf.subject("dyfed-powys", given_names="Iolo", family_name="Pugh")
    cf.identifier(theirs, IdentifierKind.ACCOUNT, "@Night_Owl_77", service="kik")
    to_sw = Alert.objects.get(force=force("south-wales"))
    to_dp = Alert.objects.get(force=force("dyfed-powys"))
    assert (to_sw.referral, to_sw.other_ref) == (ours, theirs.ref)
    assert (to_dp.subject, to_dp.other_ref) == (theirs, ours.ref)
    # Two referrals alone are not a match: deconfliction is about people held.
    cf.identifier(cf.referral("gwent"), IdentifierKind.ACCOUNT, "night_owl_77", service="Kik")
    assert Alert.objects.filter(force=force("gwent")).count() == 1  # with the subject only


def test_an_online_account_on_a_referral_that_has_a_subject_is_matched():
    """Issue 13: deconfliction missed an account held on a referral with a subject."""
    gwent_referral = cf.referral("gwent")
    gwent = cf.subject("gwent", referral_obj=gwent_referral, given_names="Aled", family_name="Dunn")
    cf.identifier(gwent_referral, IdentifierKind.ACCOUNT, "adunn24", service="Kik")
    sw = cf.subject("south-wales", given_names="Other", family_name="Person")
    cf.identifier(sw, IdentifierKind.ACCOUNT, "@ADunn24", service="kik")
    to_sw = Alert.objects.get(force=force("south-wales"))
    to_gwent = Alert.objects.get(force=force("gwent"))
    assert (to_sw.subject, to_sw.other_ref) == (sw, gwent.ref)
    assert (to_gwent.subject, to_gwent.other_ref) == (gwent, sw.ref)
    # And the other way round: the account added to the referral after its subject.
    later_referral = cf.referral("dyfed-powys")
    later = cf.subject("dyfed-powys", referral_obj=later_referral, given_names="X", family_name="Y")
    cf.identifier(later_referral, IdentifierKind.ACCOUNT, "adunn24", service="Kik")
    assert Alert.objects.filter(force=force("dyfed-powys"), subject=later).count() == 2


def test_an_alert_names_one_record_in_the_operation():
    """Issue 13: a South Wales alert named Gwent's NS-SUB-00002 while South Wales had its own."""
    for slug in ("gwent", "south-wales"):
        cf.subject(slug, given_names="Filler", family_name=slug)
    gwent = cf.subject("gwent", given_names="Rhys", family_name="Morgan")
    sw = cf.subject("south-wales", given_names="Other", family_name="Person")
    assert (gwent.ref, sw.ref) == ("GW-SUB-00002", "SW-SUB-00002")
    cf.identifier(gwent, IdentifierKind.PHONE, "07700 900555")
    cf.identifier(sw, IdentifierKind.PHONE, "07700900555")
    assert Alert.objects.get(force=force("south-wales")).other_ref == "GW-SUB-00002"
    # A force's own reference from a return gets the force's code in front.
    returned = cf.subject("gwent", ref="GS1", given_names="Third", family_name="Person")
    cf.identifier(returned, IdentifierKind.PHONE, "07700900555")
    assert Alert.objects.filter(force=force("south-wales"), other_ref="GW-GS1").exists()
