"""No prevention model field can hold a name, phone number, e-mail or IP address."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connections, models
from prevention_helpers import BOTH, local

from netsafe.prevention.identifiers import refuse_identifiers, validate_caller_code
from netsafe.prevention.models import Contact, Escalation

FORBIDDEN_NAME_PARTS = {
    "name",
    "forename",
    "surname",
    "phone",
    "mobile",
    "tel",
    "telephone",
    "email",
    "mail",
    "ip",
    "address",
    "postcode",
    "dob",
    "birth",
    "born",
}
FORBIDDEN_TYPES = (models.EmailField, models.GenericIPAddressField, models.URLField)
TEXT_TYPES = (models.CharField, models.TextField)


def prevention_fields():
    for model in apps.get_app_config("prevention").get_models():
        for field in model._meta.get_fields():
            if field.concrete:
                yield model, field


def test_the_app_has_models_to_check():
    assert {m.__name__ for m, _ in prevention_fields()} >= {"Contact", "Escalation"}


@pytest.mark.parametrize(("model", "field"), list(prevention_fields()), ids=str)
def test_field_cannot_hold_an_identifier(model, field):
    parts = set(field.name.lower().split("_"))
    assert not parts & FORBIDDEN_NAME_PARTS, f"{model.__name__}.{field.name} is named for PII"
    assert not isinstance(field, FORBIDDEN_TYPES), f"{model.__name__}.{field.name}: {field}"
    if isinstance(field, TEXT_TYPES):
        guarded = bool(field.choices) or any(
            v in (refuse_identifiers, validate_caller_code) for v in field.validators
        )
        assert guarded, f"{model.__name__}.{field.name} is free text without the identifier check"
    if isinstance(field, models.JSONField):
        assert field.validators, f"{model.__name__}.{field.name} takes any JSON"


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    "change",
    [
        {"notes": "Call back on 07911 123456"},
        {"notes": "his e-mail is dave@example.com"},
        {"notes": "lives at NP20 1AB"},
        {"notes": "connected from 81.2.69.160"},
        {"notes": "my name is Gareth"},
        {"caller_code": "07911123456"},
        {"caller_code": "DAVE@EXAMPLE.COM"},
        {"topics": ["the caller's name"]},
        {"region": "10 Downing Street"},
    ],
    ids=lambda c: next(iter(c)),
)
def test_saving_an_identifier_is_refused(change, handler):
    contact = Contact(
        occurred_at=local(2017, 3, 4, 10, 30),
        caller_type="self",
        duration_minutes=10,
        handler=handler.pk,
        **change,
    )
    with pytest.raises(ValidationError) as error:
        contact.save()
    assert next(iter(change)) in error.value.message_dict
    assert not Contact.objects.exists()


@pytest.mark.django_db(databases=BOTH)
def test_escalation_detail_refuses_identifiers(contact):
    escalation = Escalation(
        contact=contact, concern="immediate", made_to="police-999", detail="DC Smith 07700900123"
    )
    with pytest.raises(ValidationError):
        escalation.save()
    escalation.detail = "Gwent MASH duty team"
    escalation.save()
    assert contact.escalations.get().get_made_to_display() == "Police (999, immediate risk)"


@pytest.mark.django_db(databases=BOTH)
def test_caller_code_is_stored_in_capitals(contact):
    contact.caller_code = " rowan-7 "
    contact.save()
    contact.refresh_from_db()
    assert contact.caller_code == "ROWAN-7"


@pytest.mark.django_db(databases=BOTH)
def test_prevention_tables_live_only_in_the_prevention_database(contact):
    assert contact._state.db == "prevention"
    table = Contact._meta.db_table
    assert table in connections["prevention"].introspection.table_names()
    assert table not in connections["default"].introspection.table_names()


def test_no_prevention_model_is_in_the_admin():
    """The Django admin belongs to police administrators: the helpline log must not be there."""
    from django.contrib import admin

    registered = {model._meta.app_label for model in admin.site._registry}
    assert "prevention" not in registered
