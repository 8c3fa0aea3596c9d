"""Project VIC / VICS JSON.

Version 1.x (``odata.metadata``) lists Cases holding Media; 2.0 (``@odata.context``) lists
Media directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from netsafe.triage.hashset import NON_PERTINENT, HashEntry, HashSetError, HashSetFormat, clean_hash

VICS2_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"


class VicsFormat(HashSetFormat):
    """Media with MD5, SHA1, Category and SHA256/PDQ (direct or as AlternativeHashes)."""

    name = "vics"

    def sniff(self, head: bytes) -> bool:
        """JSON whose first object names its OData context (VICS 1.x or 2.0)."""
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return text.startswith(b"{") and (
            b'"odata.metadata"' in text or b'"@odata.context"' in text
        )

    def read(self, path: Path, categories: Mapping[int, str]) -> Iterator[HashEntry]:
        """The Media of either version, category numbers turned into labels by ``categories``."""
        try:
            with open(path, encoding="utf-8-sig") as fh:
                data = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HashSetError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("value"), list):
            raise HashSetError(f"{path}: VICS JSON without a 'value' list")
        for i, item in enumerate(data["value"]):
            # VICS 1.x lists Cases, each holding its Media; 2.0 lists Media directly.
            if isinstance(item, dict) and isinstance(item.get("Media"), list):
                for j, media in enumerate(item["Media"]):
                    yield _media(media, f"{path}: value[{i}].Media[{j}]", categories)
            else:
                yield _media(item, f"{path}: value[{i}]", categories)

    def numbers_categories(self) -> bool:
        return True

    def write(
        self, entries: Iterable[HashEntry], path: Path, categories: Mapping[int, str]
    ) -> None:
        """Write VICS 2.0 (category labels back to numbers through ``categories``)."""
        numbers = {label: number for number, label in categories.items()}
        media = []
        for i, e in enumerate(entries, 1):
            if e.category is not None and e.category not in numbers:
                raise ValueError(
                    f"category {e.category!r} has no VICS number: map it with --vics-categories"
                )
            item: dict = {
                "MediaID": int(e.id) if e.id and e.id.isdigit() else i,
                "Category": numbers.get(e.category) if e.category is not None else None,
                "MD5": e.md5.upper() if e.md5 else None,
                "SHA1": e.sha1.upper() if e.sha1 else None,
                "IsPrecategorized": e.category is not None,
            }
            if e.size is not None:
                item["MediaSize"] = e.size
            if e.series:
                item["Series"] = e.series
            if e.path:
                item["RelativeFilePath"] = e.path
            alternatives = [
                {"HashName": name, "HashValue": value}
                for name, value in (("SHA256", e.sha256), ("PDQ", e.pdq))
                if value
            ]
            if alternatives:
                item["AlternativeHashes"] = alternatives
            media.append(item)
        doc = {"@odata.context": VICS2_CONTEXT, "value": media}
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")

    def get_examples(self) -> list[HashEntry]:
        """Media with and without SHA-256 and PDQ, a non-pertinent one and a series."""
        return [
            HashEntry(id="1", md5="0" * 31 + "1", sha1="a" * 40, category="CAM", size=5),
            HashEntry(
                id="2",
                md5="e" * 32,
                sha1="b" * 40,
                sha256="c" * 64,
                pdq="d" * 64,
                category=NON_PERTINENT,
            ),
            HashEntry(id="3", sha1="9" * 40, series="bridges", path="DCIM/caf\\xe9.jpg"),
        ]


def _media(item: object, where: str, categories: Mapping[int, str]) -> HashEntry:
    if not isinstance(item, dict):
        raise HashSetError(f"{where}: a media item must be an object")
    extra = {}
    for alt in item.get("AlternativeHashes") or []:
        if isinstance(alt, dict) and alt.get("HashName"):
            extra[str(alt["HashName"]).lower()] = alt.get("HashValue")
    category = item.get("Category")
    label = None
    if category is not None and category != "":
        try:
            label = categories.get(int(category), str(category))
        except (TypeError, ValueError):
            label = str(category)
    size = item.get("MediaSize")
    return HashEntry(
        id=str(item["MediaID"]) if item.get("MediaID") is not None else None,
        md5=clean_hash(item.get("MD5"), "md5", where),
        sha1=clean_hash(item.get("SHA1"), "sha1", where),
        sha256=clean_hash(item.get("SHA256") or extra.get("sha256"), "sha256", where),
        pdq=clean_hash(item.get("PDQ") or extra.get("pdq"), "pdq", where),
        category=label,
        series=str(item["Series"]) if item.get("Series") else None,
        size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
        path=str(item["RelativeFilePath"]) if item.get("RelativeFilePath") else None,
    )
