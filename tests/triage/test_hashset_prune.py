"""Pruning the index cache: compiled sets of changed or removed hash-set files go, the sets
in use stay (``netsafe hashsets prune``, and automatically when a set is updated in place)."""

from __future__ import annotations

import json
import os
import time

import numpy as np
from typer.testing import CliRunner

from netsafe.triage.hashsets import compiled as compiled_module
from netsafe.triage.hashsets import load_hashset
from netsafe.triage.hashsets.cli import app
from netsafe.triage.hashsets.compiled import CompiledHashSet, prune
from netsafe.triage.matching import HashIndex, Query


def _md5_set(path, count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    digests = [bytes(d).hex() for d in rng.integers(0, 256, (count, 16), dtype=np.uint8)]
    path.write_text("".join(f"{d}  f{i}.jpg\n" for i, d in enumerate(digests)))
    return digests


def _compiled(cache) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if p.is_dir() and p.name != "sha256")


def test_a_set_updated_in_place_keeps_one_compiled_copy(tmp_path):
    path, cache = tmp_path / "sums.txt", tmp_path / "cache"
    other = tmp_path / "other.txt"
    _md5_set(other, 20, seed=9)
    kept = load_hashset(other, cache_dir=cache).compiled.folder
    _md5_set(path, 50, seed=1)
    load_hashset(path, cache_dir=cache).compile()
    for seed in (2, 3):
        digests = _md5_set(path, 50, seed=seed)
        now = load_hashset(path, cache_dir=cache)
        now.compile()
    # The other set and the last version of this one: the earlier versions are gone.
    assert _compiled(cache) == sorted([kept.name, now.compiled.folder.name])
    verdict = HashIndex([now]).lookup([Query(md5=digests[7])])[0]
    assert [m.entry_id for m in verdict.matches] == ["f7.jpg"]


def test_prune_removes_sets_of_changed_and_removed_files_and_keeps_those_in_use(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(compiled_module, "SETTLE_SECONDS", 0)
    cache = tmp_path / "cache"
    used, gone, changed, named = (
        tmp_path / f"{n}.txt" for n in ("used", "gone", "changed", "named")
    )
    digests = _md5_set(used, 30, seed=1)
    for n, p in enumerate((gone, changed, named), start=2):
        _md5_set(p, 30, seed=n)
    folders = {
        p.stem: load_hashset(p, cache_dir=cache).compiled.folder
        for p in (used, gone, changed, named)
    }
    named_sha = load_hashset(named, cache_dir=cache).sha256
    gone.unlink()
    named.unlink()
    # Changed, and not used since (a later load would compile it and drop the old copy).
    _md5_set(changed, 30, seed=8)
    # A compile killed long ago, and one under way now.
    abandoned = cache / f".{folders['used'].name}.abc123"
    abandoned.mkdir()
    old = time.time() - 2 * compiled_module.ABANDONED_SECONDS
    os.utime(abandoned, (old, old))
    under_way = cache / f".{folders['used'].name}.def456"
    under_way.mkdir()

    dry = prune(cache, keep=[named_sha], dry_run=True)
    assert {p.name for p, _why, _size in dry.removed} >= {folders["gone"].name}
    assert folders["gone"].is_dir()  # a dry run removes nothing

    result = prune(cache, keep=[named_sha])
    removed = {p.name: why for p, why, _size in result.removed}
    assert "is gone" in removed[folders["gone"].name]
    assert "has changed" in removed[folders["changed"].name]
    assert abandoned.name in removed
    assert result.bytes > 0
    assert sorted(p.name for p in result.kept) == sorted(
        [folders["used"].name, folders["named"].name]
    )
    assert _compiled(cache) == sorted([folders["used"].name, folders["named"].name, under_way.name])
    # The SHA-256s remembered for the files that are gone went too (the changed file's
    # is its current one, remembered while pruning).
    memos = [json.loads(m.read_text()) for m in (cache / "sha256").glob("*.json")]
    assert sorted(m["path"] for m in memos) == sorted([str(used), str(changed)])

    # The set in use is mapped as before, not compiled again.
    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(CompiledHashSet, "build", no_compiling)
    again = load_hashset(used, cache_dir=cache)
    assert again.compiled.folder == folders["used"]
    verdict = HashIndex([again]).lookup([Query(md5=digests[4])])[0]
    assert [m.entry_id for m in verdict.matches] == ["f4.jpg"]


def test_prune_removes_a_damaged_compiled_set(tmp_path):
    path, cache = tmp_path / "sums.txt", tmp_path / "cache"
    _md5_set(path, 30, seed=1)
    folder = load_hashset(path, cache_dir=cache).compiled.folder
    (folder / "manifest.json").write_text("{}")
    result = prune(cache)
    assert [p for p, _why, _size in result.removed] == [folder]
    assert not folder.exists()


def test_prune_command(tmp_path):
    runner = CliRunner()
    cache = tmp_path / "cache"
    path = tmp_path / "sums.txt"
    _md5_set(path, 30, seed=1)
    folder = load_hashset(path, cache_dir=cache).compiled.folder
    path.unlink()
    dry = runner.invoke(app, ["prune", "--cache", str(cache), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would remove {folder}" in dry.stdout
    assert folder.is_dir()
    done = runner.invoke(app, ["prune", "--cache", str(cache)])
    assert done.exit_code == 0, done.output
    assert f"removed {folder}" in done.stdout
    assert "kept 0 compiled set(s)" in done.stdout
    assert not folder.exists()
    missing = runner.invoke(app, ["prune", str(tmp_path / "nope.txt"), "--cache", str(cache)])
    assert missing.exit_code == 2
    assert "cannot read hash set" in missing.output


def test_prune_leaves_what_is_not_a_compiled_set_alone(tmp_path):
    """The cache folder may be shared ($NETSAFE_INDEX_CACHE): only compiled sets and what
    their compiles left behind are pruned."""
    path, cache = tmp_path / "sums.txt", tmp_path / "cache"
    _md5_set(path, 30, seed=1)
    folder = load_hashset(path, cache_dir=cache).compiled.folder
    foreign = cache / "thumbnails"
    foreign.mkdir()
    (foreign / "a.png").write_bytes(b"not ours")
    hidden = cache / ".config"
    hidden.mkdir()
    old = time.time() - 2 * compiled_module.ABANDONED_SECONDS
    os.utime(hidden, (old, old))
    path.unlink()
    result = prune(cache)
    assert [p for p, _why, _size in result.removed] == [folder]
    assert (foreign / "a.png").read_bytes() == b"not ours"
    assert hidden.is_dir()
