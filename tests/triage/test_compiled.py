"""Compiled hash sets: the same entries and matches as the source file, cached, never trusted
when damaged."""

from __future__ import annotations

import os

import numpy as np
import pytest

from netsafe.triage.hashsets import (
    DEFAULT_VICS_CATEGORIES,
    HashEntry,
    HashSet,
    HashSetError,
    formats,
    lines,
    load_hashset,
)
from netsafe.triage.hashsets import compiled as compiled_module
from netsafe.triage.hashsets.compiled import EXACT_KINDS, Columns, CompiledHashSet, file_sha256
from netsafe.triage.matching import HashIndex, Query

FORMATS = {f.name: f for f in formats()}
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def table(c: CompiledHashSet) -> list[tuple]:
    """Every entry of a compiled set as a comparable tuple."""
    digests: dict[str, dict[int, list[str]]] = {k: {} for k in (*EXACT_KINDS, "pdq")}
    for kind in EXACT_KINDS:
        for row, key in zip(c.arrays[f"{kind}_rows"], c.arrays[f"{kind}_keys"], strict=True):
            digests[kind].setdefault(int(row), []).append(key.tobytes().hex())
    for row, key in zip(c.arrays["pdq_rows"], c.arrays["pdq_hashes"], strict=True):
        digests["pdq"].setdefault(int(row), []).append(key.tobytes().hex())
    videos = {row: vid for vid, frames in c.video_frames().items() for row, _, _ in frames}
    return [
        (
            c.entry_id(row),
            c.category(row),
            bool(c.known(np.array([row]))[0]),
            videos.get(row),
            *(tuple(digests[k].get(row, [])) for k in digests),
        )
        for row in range(c.entries)
    ]


def compiled_from_source(path, categories=DEFAULT_VICS_CATEGORIES, fmt=None) -> CompiledHashSet:
    """The compiled form built from the format's own entry-by-entry reader."""
    fmt = fmt or next(f for f in formats() if f.sniff(path.read_bytes()[:65536]))
    return CompiledHashSet.build(Columns.from_entries(list(fmt.read(path, categories))))


def same_as_source(path, cache, categories=DEFAULT_VICS_CATEGORIES) -> HashSet:
    loaded = load_hashset(path, categories, cache)
    assert table(loaded.compiled) == table(compiled_from_source(path, categories))
    return loaded


@pytest.fixture(params=sorted(FORMATS))
def fmt(request):
    return FORMATS[request.param]


@pytest.fixture(params=[lines.BLOCK, 97], ids=["one-block", "tiny-blocks"])
def block(request, monkeypatch):
    """Read in the normal blocks, and in blocks of a few lines (every boundary case)."""
    monkeypatch.setattr(lines, "BLOCK", request.param)
    return request.param


def test_contract_compiled_set_equals_the_source(fmt, block, tmp_path):
    path = tmp_path / "set"
    fmt.write(fmt.get_examples(), path, DEFAULT_VICS_CATEGORIES)
    loaded = same_as_source(path, tmp_path / "cache")
    assert loaded.describe()["entries"] == len(fmt.get_examples())


def test_contract_compiled_set_gives_the_same_matches(fmt, tmp_path):
    path = tmp_path / "set"
    examples = fmt.get_examples()
    fmt.write(examples, path, DEFAULT_VICS_CATEGORIES)
    queries = [Query(e.md5, e.sha1, e.sha256, e.pdq, 100) for e in examples]
    queries += [Query(md5="0" * 32, pdq=PDQ, pdq_quality=100)]
    from_file = HashIndex([load_hashset(path, cache_dir=tmp_path / "cache")])
    in_memory = HashIndex([HashSet(from_file._sets[0].path, fmt.name, "0" * 64, examples)])
    assert from_file.lookup(queries) == in_memory.lookup(queries)


def test_md5sum_odd_lines_read_as_the_line_reader_does(block, tmp_path):
    path = tmp_path / "sums.txt"
    path.write_bytes(
        b"A" * 32
        + b"  UPPER.jpg\r\n"
        + b"# a comment\n\n"
        + b"b" * 40
        + b" *binary mode.exe\n"
        + b"   "
        + b"c" * 64
        + b"  \n"
        + b"d" * 32
        + b"\tcaf\xe9 tab.jpg\n"
        + b"e" * 32
        + b"  *star kept\n"
        + b"f" * 32
        + b" *\n"
        + b"1" * 32
        + b"  name, with comma"
    )
    # (Not sniffed as a hash list, since it does not begin with hash lines: read as one.)
    fmt = FORMATS["hashlist"]
    compiled = CompiledHashSet.build(Columns.concat(list(fmt.columns(path, {}))))
    assert table(compiled) == table(compiled_from_source(path, {}, fmt))
    ids = [compiled.entry_id(r) for r in range(compiled.entries)]
    assert ids == [
        "UPPER.jpg",
        "binary mode.exe",
        "c" * 64,
        "caf\\xe9 tab.jpg",
        "*star kept",
        "f" * 32,
        "name, with comma",
    ]


def test_malformed_line_in_a_later_block_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(lines, "BLOCK", 128)
    path = tmp_path / "sums.txt"
    good = [f"{i:032x}  file{i}.jpg" for i in range(20)]
    path.write_text("\n".join([*good, "not-a-hash  x.jpg", *good]) + "\n")
    with pytest.raises(HashSetError, match=r"sums\.txt:21: not a hash line"):
        load_hashset(path, cache_dir=tmp_path / "cache")


def test_csv_odd_rows_read_as_the_csv_module_does(block, tmp_path):
    path = tmp_path / "uk.csv"
    path.write_bytes(
        "\ufeffID;MD5;Category;PDQ;video_id;frame;series\r\n".encode()
        + b"7;"
        + b"AB" * 16
        + b";A;"
        + b"0f" * 32
        + b";;;s1\r\n"
        + b";;;;;;\r\n"
        + b'"8;quoted";'
        + b"cd" * 16
        + b';"B";;;;\r\n'
        + b" 9 ; "
        + b"ef" * 16
        + b" ;C ;;;;\r\n"
        + b"10;;Category A;"
        + b"1" * 64
        + b";v1;0.5;\r\n"
        + b"11;;A;"
        + b"2" * 64
        + b";v1;;\r\n"
        + b"12;;non-pertinent;"
        + b"3" * 64
        + b";;;\r\n"
        + b"caf\xe9;"
        + b"4" * 32
        + b";\xc3\xa9t\xc3\xa9;;;;\r\n"
    )
    loaded = same_as_source(path, tmp_path / "cache")
    assert loaded.compiled.entries == 7


@pytest.mark.parametrize(
    "body",
    [
        b'id,md5\n"two\nlines",' + b"a" * 32 + b"\n",
        b"id,md5\r1," + b"a" * 32 + b"\r2," + b"b" * 32 + b"\r",
    ],
    ids=["quoted-line-end", "carriage-returns"],
)
def test_csv_the_line_reader_cannot_split_is_read_whole(body, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(body)
    same_as_source(path, tmp_path / "cache")


def test_csv_malformed_rows_name_their_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("md5,category\n" + ("a" * 32 + ",A\n") * 5 + "a" * 32 + ",A,extra\n")
    with pytest.raises(HashSetError, match=r"bad\.csv:7: 3 fields, header has 2"):
        load_hashset(path, cache_dir=tmp_path / "cache")


def test_hashdeep_rows_and_odd_rows(block, tmp_path):
    path = tmp_path / "hd.txt"
    path.write_bytes(
        b"%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## Invoked from: /x\n##\n"
        + b"10,"
        + b"a" * 32
        + b","
        + b"b" * 64
        + b",/ev/one, two.jpg\n"
        + b"\n"
        + b" 11,"
        + b"C" * 32
        + b",,/ev/no sha256\n"
        + b"%%%% size,md5,sha256,filename\n"
        + b"12,"
        + b"d" * 32
        + b","
        + b"e" * 64
        + b",caf\xe9.jpg\r\n"
    )
    same_as_source(path, tmp_path / "cache")
    path.write_bytes(path.read_bytes() + b"%%%% md5,filename\n" + b"f" * 32 + b",changed.jpg\n")
    same_as_source(path, tmp_path / "cache")


def test_vics_labels_depend_on_the_category_mapping(tmp_path):
    path = tmp_path / "v.json"
    FORMATS["vics"].write(
        [HashEntry(id="1", md5="a" * 32, category="CAM")], path, DEFAULT_VICS_CATEGORIES
    )
    cache = tmp_path / "cache"
    uk = {0: "non-pertinent", 1: "A", 2: "B", 3: "C"}
    assert load_hashset(path, cache_dir=cache).compiled.category(0) == "CAM"
    assert load_hashset(path, uk, cache).compiled.category(0) == "A"
    assert len([p for p in cache.iterdir() if p.name != "sha256"]) == 2


def _md5_set(path, count: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    digests = [bytes(d).hex() for d in rng.integers(0, 256, (count, 16), dtype=np.uint8)]
    path.write_text("".join(f"{d}  f{i}.jpg\n" for i, d in enumerate(digests)))
    return digests


def test_second_load_maps_the_cache_without_compiling(tmp_path, monkeypatch):
    path = tmp_path / "sums.txt"
    digests = _md5_set(path, 500)
    cache = tmp_path / "cache"
    first = load_hashset(path, cache_dir=cache).compiled
    (folder,) = [p for p in cache.iterdir() if p.name != "sha256"]
    assert first.folder == folder

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(CompiledHashSet, "build", no_compiling)
    again = load_hashset(path, cache_dir=cache)
    assert isinstance(again.compiled.arrays["md5_keys"].base, np.memmap)
    verdict = HashIndex([again]).lookup([Query(md5=digests[42])])[0]
    assert [m.entry_id for m in verdict.matches] == ["f42.jpg"]


def test_a_changed_file_is_compiled_again(tmp_path):
    path = tmp_path / "sums.txt"
    _md5_set(path, 50)
    cache = tmp_path / "cache"
    before = load_hashset(path, cache_dir=cache)
    digests = _md5_set(path, 60, seed=2)
    after = load_hashset(path, cache_dir=cache)
    assert after.sha256 != before.sha256
    assert after.compiled.entries == 60
    assert after.compiled.folder != before.compiled.folder
    verdict = HashIndex([after]).lookup([Query(md5=digests[55])])[0]
    assert [m.entry_id for m in verdict.matches] == ["f55.jpg"]


def _truncate(path):
    path.write_bytes(path.read_bytes()[:-7])


def _flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2 + 3] ^= 0x10
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("checked_before", [False, True], ids=["fresh", "checked-before"])
@pytest.mark.parametrize("damage", [_truncate, _flip], ids=["truncated", "flipped-byte"])
@pytest.mark.parametrize("name", ["md5_keys.npy", "id_blob.npy", "manifest.json", "pdq"])
def test_a_damaged_cache_file_is_rebuilt_never_trusted(
    checked_before, damage, name, tmp_path, monkeypatch
):
    path = tmp_path / "set.csv"
    rng = np.random.default_rng(4)
    pdqs = [bytes(h).hex() for h in rng.integers(0, 256, (40_000, 32), dtype=np.uint8)]
    md5s = [bytes(h).hex() for h in rng.integers(0, 256, (40_000, 16), dtype=np.uint8)]
    path.write_text(
        "id,md5,pdq,category\n"
        + "".join(f"e{i},{m},{p},A\n" for i, (m, p) in enumerate(zip(md5s, pdqs, strict=True)))
    )
    cache = tmp_path / "cache"
    queries = [Query(md5=md5s[7]), Query(pdq=pdqs[39_999], pdq_quality=100)]
    expected = HashIndex([load_hashset(path, cache_dir=cache)]).lookup(queries)
    assert [m.entry_id for v in expected for m in v.matches] == ["e7", "e39999"]
    (folder,) = [p for p in cache.iterdir() if p.name != "sha256"]
    if checked_before:
        # Loaded (and checked whole) once more: the check is remembered until a file moves.
        monkeypatch.setattr(compiled_module, "SETTLE_SECONDS", 0)
        load_hashset(path, cache_dir=cache).compile()
        assert (folder / "verified.json").is_file()
    if name == "pdq":
        # The largest file of the multi-index.
        target = max((p for p in (folder / "pdq").rglob("*.npy")), key=lambda p: p.stat().st_size)
    else:
        target = folder / name
    damage(target)
    again = load_hashset(path, cache_dir=cache)
    assert HashIndex([again]).lookup(queries) == expected
    assert again.compiled.folder == folder  # compiled again, in the same place
    assert CompiledHashSet.load(folder).entries == 40_000  # and whole again


def test_the_remembered_sha256_follows_every_write(tmp_path, monkeypatch):
    monkeypatch.setattr(compiled_module, "SETTLE_SECONDS", 0)
    path = tmp_path / "sums.txt"
    _md5_set(path, 30, seed=1)
    os.utime(path, ns=(10**18, 10**18))  # an old file, as national sets are
    cache = tmp_path / "cache"
    first = load_hashset(path, cache_dir=cache)
    assert first.sha256 == file_sha256(path)
    assert list((cache / "sha256").iterdir())  # remembered
    assert load_hashset(path, cache_dir=cache).sha256 == first.sha256
    digests = _md5_set(path, 30, seed=2)  # the same size, other content
    second = load_hashset(path, cache_dir=cache)
    assert second.sha256 == file_sha256(path) != first.sha256
    verdict = HashIndex([second]).lookup([Query(md5=digests[3])])[0]
    assert [m.entry_id for m in verdict.matches] == ["f3.jpg"]


def _counting_crc32(monkeypatch) -> list[str]:
    """The names of the files the check reads whole, from now on."""
    seen: list[str] = []
    real = compiled_module._crc32

    def counting(path):
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(compiled_module, "_crc32", counting)
    return seen


def test_after_compiling_the_next_load_reads_no_array_whole(tmp_path, monkeypatch):
    path = tmp_path / "sums.txt"
    digests = _md5_set(path, 500)
    cache = tmp_path / "cache"
    read_whole = _counting_crc32(monkeypatch)
    first = load_hashset(path, cache_dir=cache).compiled
    assert read_whole == []  # the CRC-32s were taken as the arrays were written
    assert (first.folder / "verified.json").is_file()
    again = load_hashset(path, cache_dir=cache)
    assert read_whole == []
    assert again.compiled.folder == first.folder
    verdict = HashIndex([again]).lookup([Query(md5=digests[7])])[0]
    assert [m.entry_id for m in verdict.matches] == ["f7.jpg"]
    # What the compile recorded is what a whole check finds on disk.
    (first.folder / "verified.json").unlink()
    assert CompiledHashSet.load(first.folder).entries == 500
    assert sorted(read_whole) == sorted(p.name for p in first.folder.glob("*.npy"))


def test_the_compiled_files_are_what_numpy_saves(tmp_path):
    c = CompiledHashSet.build(
        Columns.from_entries(
            [HashEntry(id=f"e{i}", md5=f"{i:032x}", pdq=PDQ, category="A") for i in range(9)]
        )
    )
    c.save(tmp_path / "set", {"path": "x"})
    manifest = compiled_module.read_manifest(tmp_path / "set")
    assert any(name.startswith("pdq/") for name in manifest["files"])
    for name, expected in manifest["files"].items():
        on_disk = tmp_path / "set" / name
        crc32 = compiled_module._crc32(on_disk)
        assert expected == {"bytes": on_disk.stat().st_size, "crc32": crc32}
    for name, array in c.arrays.items():
        np.save(tmp_path / "np.npy", array)
        assert (tmp_path / "set" / f"{name}.npy").read_bytes() == (tmp_path / "np.npy").read_bytes()


@pytest.mark.parametrize("keep_mtime", [False, True], ids=["mtime-moved", "mtime-put-back"])
@pytest.mark.parametrize("damage", [_truncate, _flip], ids=["truncated", "flipped-byte"])
def test_a_file_damaged_right_after_compiling_is_rebuilt(keep_mtime, damage, tmp_path, monkeypatch):
    """The compile remembers its folder as checked; a write right after it still moves
    the file's change time (which no program can set back), so the file is checked
    whole, found damaged and compiled again, even with its modification time put back."""
    path = tmp_path / "sums.txt"
    digests = _md5_set(path, 2000)
    cache = tmp_path / "cache"
    first = load_hashset(path, cache_dir=cache).compiled
    assert (first.folder / "verified.json").is_file()
    target = first.folder / "md5_keys.npy"
    before = target.stat()
    damage(target)
    if keep_mtime:
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert target.stat().st_mtime_ns == before.st_mtime_ns
    read_whole = _counting_crc32(monkeypatch)
    again = load_hashset(path, cache_dir=cache)
    assert read_whole  # checked whole (a truncated file fails on its size), not trusted
    assert again.compiled.folder == first.folder  # compiled again, in the same place
    verdict = HashIndex([again]).lookup([Query(md5=digests[1234])])[0]
    assert [m.entry_id for m in verdict.matches] == ["f1234.jpg"]
    read_whole.clear()
    load_hashset(path, cache_dir=cache)
    assert read_whole == []  # the rebuilt folder is trusted again without reading it
