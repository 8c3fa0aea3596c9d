"""``netsafe hashsets``: compile hash sets ahead of time, and say what one holds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console

from netsafe.triage.hashsets import (
    DEFAULT_VICS_CATEGORIES,
    HashSet,
    HashSetError,
    default_cache_dir,
    detect_format,
    file_sha256,
    parse_categories,
)
from netsafe.triage.hashsets.compiled import KNOWN, cache_key, prune, remembered_sha256

app = typer.Typer(
    help="Hash sets: compile them for fast matching, and show what one holds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_err = Console(stderr=True)
_DEFAULT_CATEGORIES = ",".join(f"{k}={v}" for k, v in DEFAULT_VICS_CATEGORIES.items())

Paths = Annotated[list[Path], typer.Argument(help="Hash sets (VICS, CSV, NSRL, hash list).")]
Categories = Annotated[
    str,
    typer.Option(
        "--vics-categories",
        help="VICS category numbers and labels (UK sets: 0=non-pertinent,1=A,2=B,3=C).",
    ),
]
Cache = Annotated[
    Path | None,
    typer.Option(
        "--cache", help="Folder of compiled sets (default: $NETSAFE_INDEX_CACHE or ~/.cache)."
    ),
]


def fail(message: str) -> typer.Exit:
    """Print one line on stderr and give the exit status for unusable input (2)."""
    typer.echo(f"netsafe hashsets: error: {message}", err=True)
    return typer.Exit(2)


def _categories(spec: str) -> dict[int, str]:
    try:
        return parse_categories(spec)
    except ValueError as exc:
        raise fail(f"--vics-categories: {exc}") from None


def _open(path: Path, categories: dict[int, str], cache: Path | None) -> tuple[HashSet, Path]:
    """The hash set at ``path`` (not compiled yet) and its folder in the cache."""
    fmt = detect_format(path)
    folder = cache or default_cache_dir()
    try:
        sha256 = remembered_sha256(path, folder, file_sha256)
    except OSError as exc:
        raise HashSetError(f"cannot read hash set {path}: {exc.strerror or exc}") from None
    hs = HashSet(str(path.resolve()), fmt.name, sha256, categories=categories, cache_dir=folder)
    labels = sorted(categories.items()) if fmt.numbers_categories() else None
    return hs, folder / cache_key(sha256, labels)


@app.command("compile")
def compile_command(
    paths: Paths,
    vics_categories: Categories = _DEFAULT_CATEGORIES,
    cache: Cache = None,
) -> None:
    """Compile hash sets into the cache now, so that the first scan with them starts at once."""
    categories = _categories(vics_categories)
    for path in paths:
        started = time.monotonic()
        try:
            with _err.status(f"{path}: reading"):
                hs, folder = _open(path, categories, cache)
                was = folder.is_dir()
                typer.echo(f"{path}: {hs.format}, SHA-256 {hs.sha256}", err=True)
            with _err.status(f"{path}: compiling (parse, sort, index, write)"):
                compiled = hs.compile()
        except HashSetError as exc:
            raise fail(str(exc)) from None
        state = "already compiled" if was else f"compiled in {time.monotonic() - started:.1f} s"
        where = compiled.folder or "memory only: the cache folder cannot be written"
        typer.echo(f"{path}: {compiled.entries:,} entries, {state}: {where}")


@app.command("info")
def info_command(
    path: Annotated[Path, typer.Argument(help="A hash set.")],
    vics_categories: Categories = _DEFAULT_CATEGORIES,
    cache: Cache = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show a hash set's format, SHA-256, entries per hash kind, categories and whether
    (and where) it is compiled. A set not compiled yet is read, not compiled."""
    categories = _categories(vics_categories)
    try:
        hs, folder = _open(path, categories, cache)
        compiled_now = folder.is_dir()
        if not compiled_now:
            # Read in memory only: `info` never compiles into the cache.
            hs = HashSet(hs.path, hs.format, hs.sha256, categories=categories, cache_dir=None)
        compiled = hs.compile()
        compiled_now = compiled.folder is not None
    except HashSetError as exc:
        raise fail(str(exc)) from None
    codes = compiled.arrays.get("category")
    per_category: dict[str, int] = {}
    if codes is not None:
        counts = np.bincount(codes[codes >= 0], minlength=len(compiled.categories))
        per_category = {label: int(n) for label, n in zip(compiled.categories, counts, strict=True)}
    info = {
        "path": hs.path,
        "format": hs.format,
        "sha256": hs.sha256,
        "entries": compiled.entries,
        "hashes": compiled.counts(),
        "known": int(np.count_nonzero(compiled.arrays["flags"] & KNOWN)),
        "categories": dict(sorted(per_category.items())),
        "videos": len(compiled.videos),
        "compiled": compiled_now,
        "cache": str(folder),
    }
    if as_json:
        typer.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    kinds = ", ".join(f"{k} {n:,}" for k, n in compiled.counts().items() if n) or "none"
    cats = ", ".join(f"{k}: {n:,}" for k, n in sorted(per_category.items())) or "none"
    typer.echo(f"path:       {info['path']}")
    typer.echo(f"format:     {info['format']}")
    typer.echo(f"sha256:     {info['sha256']}")
    typer.echo(f"entries:    {info['entries']:,} ({info['known']:,} known files)")
    typer.echo(f"hashes:     {kinds}")
    typer.echo(f"categories: {cats}")
    if info["videos"]:
        typer.echo(f"videos:     {info['videos']:,}")
    state = "yes" if compiled_now else "no (netsafe hashsets compile PATH)"
    typer.echo(f"compiled:   {state}")
    typer.echo(f"cache:      {info['cache']}")


@app.command("prune")
def prune_command(
    keep: Annotated[
        list[Path] | None,
        typer.Argument(help="Hash sets whose compiled copies are kept whatever else happens."),
    ] = None,
    cache: Cache = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be removed; remove nothing.")
    ] = False,
) -> None:
    """Remove compiled sets no scan will use again: those of hash-set files changed or
    removed since they were compiled, of an older format, or damaged; keep the rest."""
    folder = cache or default_cache_dir()
    kept_sha256 = []
    for path in keep or []:
        try:
            kept_sha256.append(remembered_sha256(path, folder, file_sha256))
        except OSError as exc:
            raise fail(f"cannot read hash set {path}: {exc.strerror or exc}") from None
    result = prune(folder, keep=kept_sha256, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for path, why, size in result.removed:
        typer.echo(f"{verb} {path} ({size / 1e6:,.1f} MB): {why}")
    typer.echo(
        f"{folder}: {verb} {len(result.removed)} ({result.bytes / 1e6:,.1f} MB), "
        f"kept {len(result.kept)} compiled set(s)"
    )
