"""Hash-set formats: one contract suite that every format passes, then each format's quirks."""

from __future__ import annotations

import json
import subprocess

import pytest
from tests.triage.conftest import tool

from netsafe.triage import hashsets
from netsafe.triage.hashset import HashSetFormat
from netsafe.triage.hashsets import (
    DEFAULT_VICS_CATEGORIES,
    HashEntry,
    HashSetError,
    detect_format,
    formats,
    load_hashset,
    parse_categories,
)

FORMATS = {f.name: f for f in formats()}


@pytest.fixture(params=sorted(FORMATS))
def fmt(request):
    return FORMATS[request.param]


def test_contract_examples_survive_write_then_read(fmt, tmp_path):
    examples = fmt.get_examples()
    assert examples, "a format must give examples"
    path = tmp_path / "set"
    fmt.write(examples, path, DEFAULT_VICS_CATEGORIES)
    assert list(fmt.read(path, DEFAULT_VICS_CATEGORIES)) == examples


def test_contract_format_is_found_from_content_alone(fmt, tmp_path):
    path = tmp_path / "no-extension"
    fmt.write(fmt.get_examples(), path, DEFAULT_VICS_CATEGORIES)
    assert detect_format(path).name == fmt.name
    loaded = load_hashset(path)
    assert loaded.format == fmt.name
    assert len(loaded.entries) == len(fmt.get_examples())
    assert loaded.describe()["entries"] == len(loaded.entries)


def test_contract_no_other_format_claims_the_file(fmt, tmp_path):
    path = tmp_path / "set"
    fmt.write(fmt.get_examples(), path, DEFAULT_VICS_CATEGORIES)
    head = path.read_bytes()[: 64 << 10]
    claimed = [f.name for f in formats() if f.sniff(head)]
    assert claimed == [fmt.name]


def documented_interface(cls: type) -> list[str]:
    """The interface's methods ``cls`` implements without a docstring of its own (the
    interface's docstring says what every format does, not what this one does)."""
    missing = []
    for method in ("sniff", "read", "write", "get_examples"):
        owner = next(c for c in cls.__mro__ if method in c.__dict__)
        if owner is HashSetFormat or not (owner.__dict__[method].__doc__ or "").strip():
            missing.append(method)
    if not (cls.__dict__.get("__doc__") or "").strip():
        missing.append("the class")
    return missing


def test_contract_every_format_has_documented_interface(fmt):
    assert documented_interface(type(fmt)) == []


def test_the_documented_interface_check_can_fail():
    class Undocumented(HashSetFormat):
        name = "undocumented"

        def sniff(self, head):
            return False

        def read(self, path, categories):
            return iter(())

        def write(self, entries, path, categories):
            """Writes nothing."""

        def get_examples(self):
            return []

    assert documented_interface(Undocumented) == ["sniff", "read", "get_examples", "the class"]


def test_the_contract_runs_against_every_registered_format():
    assert sorted(FORMATS) == sorted(fmt.name for fmt in hashsets.FORMATS)
    assert len(FORMATS) == len(hashsets.FORMATS)


def test_csv_header_case_semicolons_and_uk_categories(tmp_path):
    path = tmp_path / "uk.csv"
    path.write_text(
        "ID;MD5;Category;PDQ\n7;" + "AB" * 16 + ";A;" + "0f" * 32 + "\n8;;C;" + "1" * 64 + "\n"
    )
    entries = load_hashset(path).entries
    assert entries[0] == HashEntry(id="7", md5="ab" * 16, category="A", pdq="0f" * 32)
    assert entries[1].category == "C"
    assert entries[1].md5 is None


def test_malformed_hash_names_file_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("md5,category\n" + "a" * 32 + ",A\nnot-a-hash,B\n")
    with pytest.raises(HashSetError, match=r"bad\.csv:3: md5 'not-a-hash'"):
        load_hashset(path)


def test_vics_1x_cases_with_media(tmp_path):
    path = tmp_path / "vics1.json"
    doc = {
        "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml/$metadata#Cases",
        "value": [
            {
                "CaseNumber": "c1",
                "Media": [
                    {"MediaID": 11, "Category": 1, "MD5": "AA" * 16, "SHA1": "BB" * 20},
                    {"MediaID": 12, "Category": 0, "MD5": "CC" * 16},
                ],
            }
        ],
    }
    path.write_text(json.dumps(doc))
    entries = load_hashset(path).entries
    assert [(e.id, e.category, e.md5) for e in entries] == [
        ("11", "CAM", "aa" * 16),
        ("12", "non-pertinent", "cc" * 16),
    ]
    assert entries[1].known
    assert not entries[0].known


def test_vics_categories_mapping(tmp_path):
    path = tmp_path / "v.json"
    FORMATS["vics"].write(
        [HashEntry(id="1", md5="a" * 32, category="CAM")], path, DEFAULT_VICS_CATEGORIES
    )
    uk = parse_categories("0=non-pertinent,1=A,2=B,3=C")
    assert load_hashset(path, uk).entries[0].category == "A"
    with pytest.raises(ValueError, match="NUMBER=LABEL"):
        parse_categories("1:A")


def test_nsrl_entries_are_known_files(tmp_path):
    path = tmp_path / "rds.db"
    FORMATS["nsrl"].write(FORMATS["nsrl"].get_examples(), path, DEFAULT_VICS_CATEGORIES)
    assert all(e.known for e in load_hashset(path).entries)


def test_md5sum_and_sha1sum_lists(tmp_path):
    path = tmp_path / "sums.txt"
    path.write_text(f"{'a' * 32}  photo one.jpg\n{'b' * 40} *bin.exe\n{'c' * 64}\n")
    entries = load_hashset(path).entries
    assert entries[0] == HashEntry(id="photo one.jpg", md5="a" * 32)
    assert entries[1] == HashEntry(id="bin.exe", sha1="b" * 40)
    assert entries[2] == HashEntry(id="c" * 64, sha256="c" * 64)


def test_real_hashdeep_output_is_read(tmp_path, standard_folder, standard_files):
    out = subprocess.run(
        [tool("hashdeep"), "-r", "-c", "md5,sha1,sha256", "-l", "."],
        cwd=standard_folder,
        capture_output=True,
        check=True,
    ).stdout
    path = tmp_path / "hd.txt"
    path.write_bytes(out)
    loaded = load_hashset(path)
    assert loaded.format == "hashlist"
    assert len(loaded.entries) == len(standard_files)
    assert all(e.md5 and e.sha1 and e.sha256 and e.size is not None for e in loaded.entries)


def test_unknown_format_is_a_clear_error(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("hello world\n")
    with pytest.raises(HashSetError, match="not a hash set format"):
        load_hashset(path)
