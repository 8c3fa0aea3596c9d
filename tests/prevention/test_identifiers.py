"""Identifiers are found in free text and refused, with a message saying what and where."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from netsafe.prevention.identifiers import (
    find_identifiers,
    generate_caller_code,
    refuse_identifiers,
    validate_caller_code,
)

IDENTIFIERS = [
    ("Call me on 07700 900123", "long-number"),
    ("mobile 07911123456 after six", "phone"),
    ("landline 01633 123456", "phone"),
    ("+44 7700 900 123", "long-number"),
    ("write to dave.jones@example.com", "email"),
    ("dave at example dot com", "email"),
    ("lives at CF10 3AT", "postcode"),
    ("lives in cf103at", "postcode"),
    ("from 192.168.1.20", "ip"),
    ("from fe80::1ff:fe23:4567:890a", "ip"),
    ("on insta @dave_99", "handle"),
    ("NI number AB123456C", "ni-number"),
    ("drives AB12 CDE", "vehicle"),
    ("my name is Dave", "name"),
    ("DOB given as above", "birth"),
]

CLEAN = [
    "Caller felt ashamed, talked about habits at 10:30pm on 12/03/2017.",
    "Offered self-help, call back in 2 weeks.",
    "Spoke about 3 children aged 4, 7 and 9. Referred to Gwent MASH.",
    "Duration 45 minutes; 2 calls in 2016.",
    "",
]


@pytest.mark.parametrize(("text", "kind"), IDENTIFIERS)
def test_identifier_is_found(text, kind):
    assert [f.kind for f in find_identifiers(text)] == [kind]


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_notes_pass(text):
    assert find_identifiers(text) == []
    refuse_identifiers(text)


def test_refusal_names_the_kind_and_place_without_repeating_it():
    with pytest.raises(ValidationError) as error:
        refuse_identifiers("Ring back on 07911123456 or dave@example.com")
    message = error.value.messages[0]
    assert "a phone number (at character 14)" in message
    assert "an e-mail address (at character 29)" in message
    assert "07911123456" not in message
    assert "dave@example.com" not in message


@pytest.mark.parametrize("code", ["OAK-42", "ROWAN-7", "BLUE-SKY-12", "ABC"])
def test_good_caller_codes(code):
    validate_caller_code(code)


@pytest.mark.parametrize(
    "code",
    ["07911123456", "DAVE@X.COM", "CF10-3AT", "AB", "A" * 21, "oak 42", "OAK--42", "J-1980-0612"],
)
def test_bad_caller_codes(code):
    with pytest.raises(ValidationError):
        validate_caller_code(code)


def test_generated_codes_are_valid():
    for _ in range(200):
        validate_caller_code(generate_caller_code())
