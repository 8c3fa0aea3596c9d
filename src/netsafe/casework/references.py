"""References that name one record in the whole operation.

Each force numbers its own records, so ``REF-00056`` alone could be any
force's. A reference given on the pages therefore carries the force's code
(``GW-REF-00056``, ``SW-SUB-00002``), and the exhibits of the demo carry it
too, so that an alert, a search or a conversation between forces names one
record.
"""

from __future__ import annotations

#: The codes of the four Welsh forces (as on their own exhibit labels and systems).
FORCE_CODES = {"south-wales": "SW", "gwent": "GW", "dyfed-powys": "DP", "north-wales": "NW"}


def force_code(slug: str) -> str:
    """The short code of the force ``slug``: its known code, else its words' initials."""
    if slug in FORCE_CODES:
        return FORCE_CODES[slug]
    words = [w for w in slug.replace("_", "-").split("-") if w]
    code = "".join(w[0] for w in words).upper()
    return code if len(code) >= 2 else slug[:3].upper()
