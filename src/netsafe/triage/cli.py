"""``netsafe triage``: scan evidence, match hash lists, export VICS."""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netsafe.triage.hashset import DEFAULT_VICS_CATEGORIES, parse_categories
from netsafe.triage.limits import DEFAULT_MAX_DISTANCE, CarveLimits, Limits

if TYPE_CHECKING:
    from netsafe.triage.matching import Query

# Each command imports what it runs: the scan's stack (NumPy, Pillow, libmagic, Rich's
# progress bar) costs a few tenths of a second that `report` and `export-vics` need not
# pay, and the defaults shown in --help come from netsafe.triage.limits, which imports
# nothing.

app = typer.Typer(
    help="Device triage: hash, type and match every file of seized evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_DEFAULT_CATEGORIES = ",".join(f"{k}={v}" for k, v in DEFAULT_VICS_CATEGORIES.items())
CORES = os.cpu_count() or 1


def fail(message: str) -> typer.Exit:
    """Print one line on stderr and give the exit status for unusable input (2)."""
    typer.echo(f"netsafe triage: error: {message}", err=True)
    return typer.Exit(2)


def _categories(spec: str) -> dict[int, str]:
    try:
        return parse_categories(spec)
    except ValueError as exc:
        raise fail(f"--vics-categories: {exc}") from None


Evidence = Annotated[
    list[Path], typer.Argument(help="Folders, disk images, E01 images, ZIP/TAR archives.")
]
OutDir = Annotated[
    Path, typer.Option("--out", help="Output folder (created; must be empty unless --resume).")
]
HashSets = Annotated[
    list[Path],
    typer.Option("--hashset", help="A hash set (VICS, CSV, NSRL, hash list); repeatable."),
]
Workers = Annotated[
    int, typer.Option("--workers", help="Local worker processes (default: all cores).")
]
Resume = Annotated[bool, typer.Option("--resume", help="Continue an interrupted scan in --out.")]
MaxDistance = Annotated[
    int, typer.Option("--max-distance", help="Largest PDQ Hamming distance that is a match.")
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address (tcp://host:8786): run the work on that cluster.",
    ),
]
Dihedral = Annotated[
    bool,
    typer.Option(
        "--dihedral", help="Also match rotated and mirrored copies (8 PDQ hashes per image)."
    ),
]
_LIMITS = Limits()
ArchiveDepth = Annotated[
    int,
    typer.Option(
        "--archive-depth",
        min=0,
        help="Archives nested deeper than this are hashed but not opened.",
    ),
]
ArchiveMembers = Annotated[
    int,
    typer.Option(
        "--archive-members",
        min=1,
        help="Most members one archive found in the evidence may hold, everything nested in it "
        "included; beyond that one error row on the archive at fault.",
    ),
]
ArchiveBytes = Annotated[
    int,
    typer.Option(
        "--archive-bytes",
        min=1,
        help="Most bytes one archive found in the evidence may expand to, everything nested in "
        "it included (64 GiB); it may also expand to at most "
        "--archive-ratio times its own size once beyond 256 MiB.",
    ),
]
ArchiveRatio = Annotated[
    int,
    typer.Option(
        "--archive-ratio",
        min=1,
        help="Largest expansion of a member, and of an archive with all it holds, relative to "
        "its compressed size.",
    ),
]
_CARVE = CarveLimits()
Carve = Annotated[
    bool,
    typer.Option(
        "--carve/--no-carve",
        help="Carve the unallocated space of disk images (raw, E01) for pictures and videos.",
    ),
]
CarveFiles = Annotated[
    int,
    typer.Option("--carve-files", min=1, help="Most files carved from one evidence item."),
]
CarveSeconds = Annotated[
    float,
    typer.Option("--carve-seconds", min=0, help="Most seconds spent carving one evidence item."),
]
Categories = Annotated[
    str,
    typer.Option(
        "--vics-categories",
        help="VICS category numbers and labels (UK sets: 0=non-pertinent,1=A,2=B,3=C).",
    ),
]


@app.command("scan")
def scan_command(
    evidence: Evidence,
    out: OutDir,
    hashset: HashSets = [],  # noqa: B006 - Typer reads the default, never mutates it
    workers: Workers = CORES,
    resume: Resume = False,
    max_distance: MaxDistance = DEFAULT_MAX_DISTANCE,
    vics_categories: Categories = _DEFAULT_CATEGORIES,
    scheduler: Scheduler = None,
    dihedral: Dihedral = False,
    archive_depth: ArchiveDepth = _LIMITS.max_depth,
    archive_members: ArchiveMembers = _LIMITS.max_members,
    archive_bytes: ArchiveBytes = _LIMITS.max_total,
    archive_ratio: ArchiveRatio = _LIMITS.max_ratio,
    carve: Carve = True,
    carve_files: CarveFiles = _CARVE.max_files,
    carve_seconds: CarveSeconds = _CARVE.max_seconds,
) -> None:
    """Scan evidence and write report.json, files.jsonl, files.csv and report.html to --out.

    Archives inside the evidence are opened, nested ones too, within the --archive-*
    bounds: what lies beyond them is one error row on the archive that holds it.
    """
    from netsafe.triage.richbar import RichBar
    from netsafe.triage.scan import ScanError, ScanInterrupted, ScanOptions, scan
    from netsafe.triage.store import STORE_NAME

    options = ScanOptions(
        evidence=list(evidence),
        out=out,
        hashsets=list(hashset),
        workers=workers,
        resume=resume,
        max_distance=max_distance,
        categories=_categories(vics_categories),
        scheduler=scheduler,
        dihedral=dihedral,
        limits=Limits(
            max_depth=archive_depth,
            max_members=archive_members,
            max_total=archive_bytes,
            max_ratio=archive_ratio,
        ),
        carve=carve,
        carve_limits=CarveLimits(max_files=carve_files, max_seconds=carve_seconds),
    )
    bar = RichBar()
    try:
        report = scan(options, bar)
    except ScanError as exc:
        raise fail(str(exc)) from None
    except (ScanInterrupted, KeyboardInterrupt):
        # KeyboardInterrupt: Ctrl-C in the moment before the scan could catch it itself.
        bar.stop()
        argv = (
            ["netsafe", "triage", *sys.argv[sys.argv.index("triage") + 1 :]]
            if "triage" in sys.argv
            else []
        )
        if not (out / STORE_NAME).is_file():
            typer.echo("Interrupted before the scan began; nothing was written.", err=True)
            raise typer.Exit(130) from None
        again = shlex.join([*argv, "--resume"] if argv and "--resume" not in argv else argv)
        typer.echo(
            f"Interrupted; everything finished so far is kept in {out}. Resume with:\n  {again}",
            err=True,
        )
        raise typer.Exit(130) from None
    finally:
        bar.stop()
    warn_unverified(report["evidence"])
    for ev in report["evidence"]:
        s, p = ev["summary"], ev["priority"]
        cats = ", ".join(f"{k}: {v['files']}" for k, v in s["categories"].items()) or "none"
        typer.echo(
            f"{ev['path']}: {s['files']} files, {s['errors']} errors, {s['known']} known, "
            f"matches {s['matches']['exact']} exact / {s['matches']['perceptual']} perceptual "
            f"(categories {cats}); priority {p['band']} ({p['score']})"
        )
    typer.echo(f"Report: {out / 'report.html'}")


def warn_unverified(evidence: list[dict]) -> None:
    """Print the contract's ``WARNING: <evidence> failed verification: <reason>`` line on
    stderr for each evidence item (report.json's ``evidence``) whose media check failed."""
    from netsafe.triage.report_html import verification_failure

    for ev in evidence:
        reason = verification_failure(ev["integrity"])
        if reason:
            typer.echo(f"WARNING: {ev['path']} failed verification: {reason}", err=True)


@app.command("batch")
def batch_command(
    manifest: Annotated[
        Path, typer.Argument(help="One exhibit a line: reference and evidence path.")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for one report folder per device and the summary.")
    ],
    hashset: HashSets = [],  # noqa: B006 - Typer reads the default, never mutates it
    workers: Workers = CORES,
    max_distance: MaxDistance = DEFAULT_MAX_DISTANCE,
    vics_categories: Categories = _DEFAULT_CATEGORIES,
    scheduler: Scheduler = None,
    dihedral: Dihedral = False,
    devices_at_once: Annotated[
        int | None,
        typer.Option(
            "--devices-at-once",
            help="Devices scanned side by side (default: 4; locally they share --workers).",
        ),
    ] = None,
) -> None:
    """Scan a whole intake: OUT/<reference>/ per device, then summary.json, .csv and .html
    ordered by priority. Run it again to continue after an interruption."""
    from netsafe.triage.batch import run_batch
    from netsafe.triage.scan import ScanError, ScanInterrupted, ScanOptions

    options = ScanOptions(
        evidence=[],
        out=out,
        hashsets=list(hashset),
        workers=workers,
        max_distance=max_distance,
        categories=_categories(vics_categories),
        scheduler=scheduler,
        dihedral=dihedral,
    )
    try:
        summary = run_batch(
            manifest,
            out,
            options,
            announce=lambda ex, state: typer.echo(f"{ex.reference}: {state}", err=True),
            devices_at_once=devices_at_once,
        )
    except ScanError as exc:
        raise fail(str(exc)) from None
    except ScanInterrupted:
        typer.echo(f"Interrupted; run the same command again to continue in {out}.", err=True)
        raise typer.Exit(130) from None
    for row in summary["devices"]:
        device = json.loads((Path(row["report"]).parent / "report.json").read_text("utf-8"))
        warn_unverified(device["evidence"])
    for row in summary["devices"]:
        typer.echo(f"{row['reference']}: {row['band']} ({row['score']}), {row['files']} files")
    typer.echo(f"Summary: {out / 'summary.html'}")


def _read_queries(path: Path, categories: dict[int, str]) -> list[tuple[str, Query]]:
    """Queries from a hash-set file, or bare hashes one a line (64 hex digits: SHA-256 or PDQ)."""
    from netsafe.triage.hashsets import HashSetError, detect_format
    from netsafe.triage.hashsets.hashlist import HashListFormat
    from netsafe.triage.matching import Query

    try:
        fmt = detect_format(path)
        entries = list(fmt.read(path, categories))
    except HashSetError as exc:
        raise fail(str(exc)) from None
    queries = []
    for e in entries:
        bare = isinstance(fmt, HashListFormat) and e.id in (e.md5, e.sha1, e.sha256)
        pdq = e.pdq or (e.sha256 if bare else None)
        label = e.id or e.md5 or e.sha1 or e.sha256 or e.pdq or ""
        queries.append((label, Query(e.md5, e.sha1, e.sha256, pdq, None)))
    return queries


@app.command("match")
def match_command(
    queries: Annotated[Path, typer.Argument(help="Hashes one a line, or any hash-set file.")],
    hashset: Annotated[
        list[Path], typer.Option("--hashset", help="Hash set to match; repeatable.")
    ],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    max_distance: MaxDistance = DEFAULT_MAX_DISTANCE,
    vics_categories: Categories = _DEFAULT_CATEGORIES,
) -> None:
    """Match hashes against hash sets without evidence.

    Writes one CSV row per (query, matching entry): query,hashset,entry_id,kind,category,distance.
    """
    from netsafe.triage import csvsafe
    from netsafe.triage.matching import HashIndex, default_cache_dir
    from netsafe.triage.scan import ScanError, load_hashsets

    categories = _categories(vics_categories)
    if not queries.is_file():
        raise fail(f"queries file not found: {queries}")
    try:
        sets = load_hashsets(hashset, categories)
    except ScanError as exc:
        raise fail(str(exc)) from None
    pairs = _read_queries(queries, categories)
    index = HashIndex(sets, cache_dir=default_cache_dir())
    verdicts = index.lookup([q for _, q in pairs], max_distance)
    rows = 0
    try:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            writer = csvsafe.writer(fh)
            writer.writerow(("query", "hashset", "entry_id", "kind", "category", "distance"))
            for (label, _), verdict in zip(pairs, verdicts, strict=True):
                for m in verdict.matches:
                    writer.writerow(
                        (label, m.hashset, m.entry_id or "", m.kind, m.category or "", m.distance)
                    )
                    rows += 1
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc.strerror}") from None
    typer.echo(f"{len(pairs)} queries, {rows} matches written to {out}")


@app.command("report")
def report_command(
    scan_dir: Annotated[Path, typer.Argument(help="The --out folder of a finished scan.")],
    thumbnails: Annotated[
        bool,
        typer.Option(
            "--thumbnails/--no-thumbnails",
            help="Make thumbnails of matched pictures from the evidence (read-only).",
        ),
    ] = True,
) -> None:
    """Write report.html and its pages of matched files again from report.json and
    files.jsonl (for instance after the evidence came back, for the thumbnails)."""
    from netsafe.triage.content import EvidenceReader
    from netsafe.triage.records import RecordError
    from netsafe.triage.report_html import write_report_html

    try:
        report = json.loads((scan_dir / "report.json").read_text("utf-8"))
        evidence = [(ev["path"], ev["kind"]) for ev in report["evidence"]]
    except FileNotFoundError:
        raise fail(
            f"no report.json in {scan_dir}: is it the --out folder of a finished scan?"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise fail(f"{scan_dir / 'report.json'}: not a triage report ({exc})") from None
    try:
        with EvidenceReader(evidence if thumbnails else []) as content_of:
            write_report_html(scan_dir, report, content_of if thumbnails else None)
    except RecordError as exc:
        raise fail(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise fail(f"{scan_dir}: {exc}") from None
    typer.echo(f"Report: {scan_dir / 'report.html'}")


@app.command("export-vics")
def export_vics_command(
    scan_dir: Annotated[Path, typer.Argument(help="The --out folder of a finished scan.")],
    out: Annotated[Path, typer.Option("--out", help="VICS 2.0 JSON file to write.")],
    vics_categories: Categories = _DEFAULT_CATEGORIES,
) -> None:
    """Write the scan's images and videos, matched and unmatched, as VICS 2.0 JSON."""
    from netsafe.triage.hashsets import NON_PERTINENT, HashEntry
    from netsafe.triage.hashsets.vics import VicsFormat
    from netsafe.triage.perceptual import MIN_QUALITY
    from netsafe.triage.records import RecordError, read_files

    categories = _categories(vics_categories)
    files = scan_dir / "files.jsonl"
    if not files.is_file():
        raise fail(f"no files.jsonl in {scan_dir}: is it the --out folder of a finished scan?")
    entries: dict[tuple, HashEntry] = {}
    try:
        for record in read_files(files):
            if not (record.is_image or record.is_video) or not record.md5:
                continue
            key = (record.md5, record.sha1)
            if key in entries:
                continue
            category = record.category
            if category is None and record.known:
                category = NON_PERTINENT
            entries[key] = HashEntry(
                id=str(len(entries) + 1),
                md5=record.md5,
                sha1=record.sha1,
                sha256=record.sha256,
                pdq=record.pdq if (record.pdq_quality or 0) >= MIN_QUALITY else None,
                category=category,
                size=record.size,
                path=record.path,
            )
    except RecordError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot read {files}: {exc.strerror}") from None
    try:
        VicsFormat().write(entries.values(), out, categories)
    except ValueError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc.strerror}") from None
    typer.echo(f"{len(entries)} media written to {out}")
