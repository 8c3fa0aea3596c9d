"""Normal forms of identifiers, so that the same person is found however written.

Deconfliction compares these keys, never the raw values: ``John.Smith+x@Mail.com``
and ``john.smith@mail.com`` are one address; ``+44 7700 900123`` and
``07700900123`` one phone.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .choices import IdentifierKind


def _fold(text: str) -> str:
    """Case-fold, strip accents and collapse white space."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def email(value: str) -> str:
    """The address in lower case without a ``+tag`` in the local part."""
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError(f"{value!r} is not an e-mail address") from exc
    local, _, domain = value.casefold().rpartition("@")
    local = local.split("+", 1)[0]
    return f"{local}@{domain}"


def phone(value: str) -> str:
    """Digits only, with a UK international prefix turned into the national 0."""
    raw = value.strip()
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        digits = "00" + digits
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    if len(digits) < 6:
        raise ValidationError(f"{value!r} is not a phone number (too few digits)")
    return digits


def account(value: str, service: str = "") -> str:
    """``service:handle`` folded, without a leading ``@`` on the handle."""
    handle = _fold(value).lstrip("@").replace(" ", "")
    if not handle:
        raise ValidationError("an online account needs a user name or handle")
    service = _fold(service).replace(" ", "")
    return f"{service}:{handle}" if service else handle


def ip(value: str) -> str:
    """The canonical text form of an IPv4 or IPv6 address."""
    try:
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not an IP address") from exc


def identifier(kind: str, value: str, service: str = "") -> str:
    """The normal form of an identifier of ``kind`` (an :class:`IdentifierKind` value)."""
    if kind == IdentifierKind.EMAIL:
        return email(value)
    if kind == IdentifierKind.PHONE:
        return phone(value)
    if kind == IdentifierKind.ACCOUNT:
        return account(value, service)
    if kind == IdentifierKind.IP:
        return ip(value)
    raise ValidationError(f"unknown identifier kind {kind!r}")


def postcode(value: str) -> str:
    """A UK postcode in capitals without spaces (``cf10 1aa`` -> ``CF101AA``)."""
    return re.sub(r"\s", "", value).upper()


def address(line1: str, postcode_value: str) -> str:
    """First line of the address (letters and digits only) and the postcode."""
    first = re.sub(r"[^a-z0-9]", "", _fold(line1))
    code = postcode(postcode_value)
    if not first or not code:
        return ""
    return f"{first}|{code}"


def name_and_birth(given_names: str, family_name: str, born: date | None) -> str:
    """The key for "same name and date of birth"; empty when either is unknown."""
    name = _fold(f"{given_names} {family_name}")
    if not name or born is None:
        return ""
    return f"{name}|{born.isoformat()}"


def candidates(text: str) -> list[str]:
    """Every normal form ``text`` could have as an identifier (for searching)."""
    forms = []
    for kind in IdentifierKind.values:
        try:
            forms.append(identifier(kind, text))
        except ValidationError:
            continue
    return forms
