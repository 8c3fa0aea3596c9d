"""Keeping identifiers out of the helpline log.

People call the helpline only because it is confidential, so nothing that
could identify a caller may be written down: not in the notes, not in the
returning-caller code, not in an escalation. :func:`find_identifiers` looks
for the usual ways an identifier gets typed into a free-text box (phone
numbers, e-mail addresses, postcodes, IP addresses, social-media handles,
National Insurance numbers, vehicle registrations, "my name is ...", a date
of birth) and :func:`refuse_identifiers` turns them into a clear validation
error. It is a safety net for a hurried handler, not a guarantee: a name
written without a cue ("spoke to Dave") cannot be told from any other word.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Finding:
    """An identifier found in a text: what kind, and where (0-based character offsets)."""

    kind: str
    start: int
    end: int


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# "dave at example dot com" and "dave(at)example.com": the usual ways round a filter.
_AT = r"(?:\(at\)|\[at\]|\{at\}|<at>|\sat\s|@)"
_DOT_WORD = r"(?:\(dot\)|\[dot\]|\{dot\}|<dot>|\sdot\s)"
_DOT = r"(?:\.|\s+\.\s+)"
_EMAIL_SPELT = re.compile(
    # The word "dot" is cue enough: "john at gmail dot de", any top-level domain.
    rf"\b[\w.+-]+\s*{_AT}\s*[\w-]+(?:\s*(?:{_DOT_WORD}|\.)\s*[\w-]+)*?\s*{_DOT_WORD}\s*"
    r"[a-z]{2,24}\b"
    # A literal dot, bare or spaced on both sides ("dave at example . com"; not the end
    # of a sentence, "at home. It was"): the common domains only.
    rf"|\b[\w.+-]+\s*{_AT}\s*[\w-]+(?:{_DOT}[\w-]+)*?{_DOT}"
    r"(?:com|net|org|co|uk|ac|gov|info|io|me|de|fr|ie|eu|es|it|nl|pl|ru|us|ca|au|in|biz|edu)\b",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?[\s-]*[0-9][A-Z]{2}\b", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
# "192 . 168 . 1 . 1" and "192 dot 168 dot 1 dot 1": an address typed round the filter.
_IPV4_SPACED = re.compile(
    rf"(?<![\d.])\d{{1,3}}(?:\s*(?:\.|{_DOT_WORD}|dot)\s*\d{{1,3}}){{3}}(?![\d])",
    re.IGNORECASE,
)
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_.]{2,}")
_NI_NUMBER = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)
_VEHICLE = re.compile(r"\b[A-Z]{2}[0-9]{2}\s?[A-Z]{3}\b")
# Seven or more digits in a run (spaces, dashes, dots and brackets between them)
# is a phone, account or reference number far more often than anything else.
_LONG_NUMBER = re.compile(r"(?<![\d])\+?\d(?:[\s().-]{0,2}\d){6,}")
# Digits in groups split by slashes ("07700/900/123"); nine or more digits in all, so
# that a date (12/03/2017: eight) is not taken for a number.
_SLASHED_NUMBER = re.compile(r"(?<![\d/])\d+(?:\s*/\s*\d+){1,5}(?![\d/])")
_NAME_CUE = re.compile(
    r"\b(?:(?:my|his|her|their|the caller's|caller's)\s+name\s+is|name\s*:|named|"
    r"(?:i am|i'm)\s+called)\s+[A-Z][a-z]+",
    re.IGNORECASE,
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_BIRTH_CUE = re.compile(
    r"\b(?:d\.?o\.?b\.?|date of birth|birth ?date|born on)\b"
    # "born 01/02/1980", "born in 1980", "born 1st March 1980": born and a date or a year.
    r"|\bborn(?:\s+(?:on|in))?\s*[:\-]?\s*"
    r"(?:\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}|(?:19|20)\d{2}\b"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b)",
    re.IGNORECASE,
)

#: Kinds of identifier, most specific first (an overlap keeps the more specific).
_KIND_LABELS = {
    "email": gettext_lazy("an e-mail address"),
    "ip": gettext_lazy("an IP address"),
    "ni-number": gettext_lazy("a National Insurance number"),
    "postcode": gettext_lazy("a postcode"),
    "vehicle": gettext_lazy("a vehicle registration"),
    "handle": gettext_lazy("a social media handle"),
    "name": gettext_lazy("a name"),
    "birth": gettext_lazy("a date of birth"),
    "phone": gettext_lazy("a phone number"),
    "long-number": gettext_lazy("a long number (phone, account or reference number)"),
}


def normalise(text: str) -> tuple[str, list[int]]:
    """``text`` as the patterns read it, and for each of its characters the original offset.

    Each character is put in Unicode NFKC form (a full-width at sign or digits, ligatures
    and other compatibility forms become their plain equivalents) and invisible format
    characters (zero-width spaces and joiners) are dropped, so that an identifier typed
    with look-alike characters is still found. Offsets stay those of the original text.
    """
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":
            continue
        plain = unicodedata.normalize("NFKC", ch) if ord(ch) > 127 else ch
        out.append(plain)
        origin.extend([i] * len(plain))
    return "".join(out), origin


def find_identifiers(text: str) -> list[Finding]:
    """Every identifier-like span in ``text``, in order of position (overlaps removed).

    The text is first normalised (:func:`normalise`); spelled-out separators ("at",
    "dot"), spaced and slashed digits are matched by their own patterns. Offsets are
    those of ``text`` as given.
    """
    if not text:
        return []
    plain, origin = normalise(text)
    found = [
        Finding(f.kind, origin[f.start], origin[f.end - 1] + 1)
        for f in _find(plain)
        if f.end > f.start
    ]
    return found


def _find(text: str) -> list[Finding]:
    # Imported here, not with the models that import this module: loading its metadata
    # cost every Django command a fifteenth of its start-up, and only helpline text needs it.
    import phonenumbers

    found: list[Finding] = []
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.VALID):
        found.append(Finding("phone", match.start, match.end))
    simple = [
        ("email", _EMAIL),
        ("email", _EMAIL_SPELT),
        ("postcode", _POSTCODE),
        ("handle", _HANDLE),
        ("ni-number", _NI_NUMBER),
        ("vehicle", _VEHICLE),
        ("long-number", _LONG_NUMBER),
        ("name", _NAME_CUE),
        ("birth", _BIRTH_CUE),
    ]
    for kind, pattern in simple:
        found.extend(Finding(kind, m.start(), m.end()) for m in pattern.finditer(text))
    for pattern in (_IPV4, _IPV6):
        for m in pattern.finditer(text):
            try:
                ipaddress.ip_address(m.group())
            except ValueError:
                continue
            found.append(Finding("ip", m.start(), m.end()))
    for m in _IPV4_SPACED.finditer(text):
        if all(int(part) <= 255 for part in re.findall(r"\d+", m.group())):
            found.append(Finding("ip", m.start(), m.end()))
    for m in _SLASHED_NUMBER.finditer(text):
        if sum(c.isdigit() for c in m.group()) >= 9:
            found.append(Finding("long-number", m.start(), m.end()))
    # Keep the first (most specific) finding where spans overlap: an IP address
    # is not also reported as a long number, an e-mail not also as a handle.
    priority = {kind: i for i, kind in enumerate(_KIND_LABELS)}
    found.sort(key=lambda f: (f.start, priority[f.kind]))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


def describe(findings: list[Finding]) -> str:
    """A sentence naming what was found and where, without repeating the identifier."""
    parts = []
    for f in findings:
        parts.append(
            _("%(what)s (at character %(where)d)")
            % {"what": _KIND_LABELS[f.kind], "where": f.start + 1}
        )
    return "; ".join(parts)


def refuse_identifiers(value: str) -> None:
    """Validator: refuse text that holds anything that could identify a caller."""
    findings = find_identifiers(value or "")
    if findings:
        raise ValidationError(
            gettext_lazy(
                "This must not identify anyone. Remove %(what)s. The helpline log never "
                "holds a name, phone number, e-mail, postcode, address or similar identifier."
            ),
            code="identifier",
            params={"what": describe(findings)},
        )


CALLER_CODE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")


def validate_caller_code(value: str) -> None:
    """Validator for a returning-caller code: a short word-and-number, never an identifier."""
    if not value:
        return
    if not 3 <= len(value) <= 20:
        raise ValidationError(
            gettext_lazy("A caller code has 3 to 20 characters."), code="caller-code"
        )
    if not CALLER_CODE.match(value):
        raise ValidationError(
            gettext_lazy(
                "A caller code uses capital letters, digits and single hyphens only, e.g. OAK-42."
            ),
            code="caller-code",
        )
    if sum(c.isdigit() for c in value) > 4:
        # Longer numbers are how phone numbers, dates of birth and account numbers sneak in.
        raise ValidationError(
            gettext_lazy(
                "A caller code may hold at most 4 digits: it must not be a phone number, "
                "date of birth or any other number that identifies the caller."
            ),
            code="caller-code",
        )
    refuse_identifiers(value)


#: Words for returning-caller codes: plain, easy to say on the phone, about nobody.
CODE_WORDS = [
    "ASH",
    "BIRCH",
    "CEDAR",
    "ELM",
    "FIR",
    "HAZEL",
    "HOLLY",
    "LARCH",
    "MAPLE",
    "OAK",
    "PINE",
    "ROWAN",
    "WILLOW",
    "YEW",
    "ALDER",
    "HERON",
    "KESTREL",
    "LINNET",
    "MERLIN",
    "OWL",
    "PLOVER",
    "RAVEN",
    "ROBIN",
    "SWIFT",
    "WREN",
    "TERN",
    "FINCH",
    "LARK",
    "RIVER",
    "BROOK",
    "CLIFF",
    "DUNE",
    "FERN",
    "HEATH",
    "MOSS",
    "REED",
    "STONE",
    "VALE",
]


def generate_caller_code() -> str:
    """A fresh returning-caller code to give a caller, e.g. ``ROWAN-47``."""
    return f"{secrets.choice(CODE_WORDS)}-{secrets.randbelow(90) + 10}"
