"""A whole intake of devices: one scan per exhibit, one report folder each, a summary across them.

The manifest has one exhibit a line: its reference and the path of its evidence,
comma separated (CSV, an optional ``reference,evidence`` header) or separated by
white space (the path is the rest of the line, so it may hold spaces). Blank
lines and lines starting with ``#`` are ignored; relative paths are taken from
the manifest's folder.

Each device is scanned into ``OUT/<reference>/`` with :func:`netsafe.triage.scan.scan`
(locally or on the Dask cluster). A device whose ``report.json`` exists is done;
one with a result store but no report is resumed; so running the batch again
after a kill continues where it stopped.
"""

from __future__ import annotations

import csv
import html
import json
import re
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from netsafe.triage import csvsafe
from netsafe.triage.scan import Progress, ScanError, ScanInterrupted, ScanOptions, scan
from netsafe.triage.store import STORE_NAME

SUMMARY_SCHEMA = "netsafe.triage-batch/1"
SUMMARY_FIELDS = (
    "reference",
    "evidence",
    "report",
    "band",
    "score",
    "files",
    "images",
    "errors",
    "known",
    "exact",
    "perceptual",
    "categories",
    "reasons",
)
_BAND_ORDER = {"high": 0, "medium": 1, "low": 2}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ManifestError(ScanError):
    """A manifest line that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Exhibit:
    """One manifest line: the exhibit's reference, its evidence and its report folder name."""

    line: int
    reference: str
    evidence: Path
    folder: str


def read_manifest(path: Path) -> list[Exhibit]:
    """The exhibits of a manifest, or :class:`ManifestError` naming the first bad line."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc}") from None
    exhibits: list[Exhibit] = []
    folders: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        if "," in line:
            fields = [f.strip() for f in next(csv.reader([line]))]
        else:
            fields = line.split(None, 1)
        if fields and [f.lower() for f in fields[:2]] == ["reference", "evidence"]:
            continue
        if len(fields) != 2 or not fields[0] or not fields[1]:
            raise ManifestError(
                f"{where}: expected a reference and an evidence path, got {raw.strip()!r}"
            )
        reference, location = fields
        evidence = Path(location).expanduser()
        if not evidence.is_absolute():
            evidence = path.parent / evidence
        if not evidence.exists():
            raise ManifestError(f"{where}: evidence of {reference} not found: {evidence}")
        folder = _UNSAFE.sub("_", reference).strip("._") or "exhibit"
        if folder in folders:
            raise ManifestError(
                f"{where}: reference {reference!r} has the same report folder ({folder}) "
                f"as line {folders[folder]}"
            )
        folders[folder] = number
        exhibits.append(Exhibit(number, reference, evidence, folder))
    if not exhibits:
        raise ManifestError(f"{path}: no exhibits listed")
    return exhibits


#: Devices scanned side by side when not told otherwise: enough that a small device
#: (one or two units of work) never leaves a worker idle while the next one is listed.
DEVICES_AT_ONCE = 4


def run_batch(
    manifest: Path,
    out: Path,
    options: ScanOptions,
    *,
    progress: Callable[[Exhibit], Progress] | None = None,
    announce: Callable[[Exhibit, str], None] | None = None,
    devices_at_once: int | None = None,
) -> dict:
    """Scan every exhibit of ``manifest`` into ``out/<reference>/`` and write the summary.

    ``options`` gives the shared settings (hash sets, workers, scheduler, ...);
    its ``evidence`` and ``out`` are replaced per exhibit. ``devices_at_once``
    (default :data:`DEVICES_AT_ONCE`) scans that many devices side by side: a small
    device is a unit or two of work, so one device at a time would leave workers
    idle while the next is listed and its outputs written. Without a cluster the
    devices share one pool of ``options.workers`` local processes (with one worker,
    devices are scanned one at a time, in this process).
    Returns summary.json's object.
    """
    devices_at_once = DEVICES_AT_ONCE if devices_at_once is None else devices_at_once
    if not options.scheduler and options.workers <= 1 and options.executor is None:
        # No worker processes: each scan would process its files in its own thread of
        # this process, and libmagic and the image decoders are not safe to share so.
        devices_at_once = 1
    if devices_at_once < 1:
        raise ScanError("--devices-at-once must be at least 1")
    exhibits = read_manifest(manifest)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScanError(f"cannot create --out {out}: {exc.strerror}") from None

    stop = threading.Event()
    pool = None
    if not options.scheduler and options.workers > 1 and options.executor is None:
        pool = _local_pool(options.workers)
        options = replace(options, executor=pool)

    def one(ex: Exhibit) -> dict:
        target = out / ex.folder
        report_path = target / "report.json"
        if report_path.is_file():
            state = "done before"
        else:
            resume = (target / STORE_NAME).is_file()
            device = replace(options, evidence=[ex.evidence], out=target, resume=resume, stop=stop)
            try:
                scan(device, progress(ex) if progress else None)
            except ScanError as exc:
                raise ScanError(f"{manifest}:{ex.line} ({ex.reference}): {exc}") from None
            state = "resumed" if resume else "scanned"
        if announce:
            announce(ex, state)
        return _row(ex, json.loads(report_path.read_text("utf-8")), report_path)

    try:
        if devices_at_once == 1:
            rows = [one(ex) for ex in exhibits]
        else:
            with ThreadPoolExecutor(devices_at_once, thread_name_prefix="triage-device") as threads:
                futures = [threads.submit(one, ex) for ex in exhibits]
                try:
                    rows = [f.result() for f in futures]
                except KeyboardInterrupt:
                    # Ctrl-C reaches this thread only: the devices' scans are told to stop
                    # (each stores what it has done) and the rest are never started.
                    stop.set()
                    for f in futures:
                        f.cancel()
                    raise ScanInterrupted("batch interrupted") from None
    finally:
        if pool is not None:
            _close(pool, at_once=stop.is_set())
    rows.sort(key=lambda r: (_BAND_ORDER.get(r["band"], 3), -r["score"], r["reference"]))
    summary = {"schema": SUMMARY_SCHEMA, "manifest": str(manifest.resolve()), "devices": rows}
    _write_summary(out, summary)
    return summary


def _ignore_sigint() -> None:
    # Ctrl-C goes to the whole process group; only the batch's main thread handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ready() -> None:
    """A task that does nothing: run once per worker so that all are started."""
    time.sleep(0.05)


def _close(pool: ProcessPoolExecutor, *, at_once: bool) -> None:
    """Shut the local pool down; ``at_once`` (Ctrl-C): without waiting for its units,
    which a rerun of the batch simply does again."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=not at_once, cancel_futures=True)
    if at_once:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            proc.join(timeout=5)


def _local_pool(workers: int) -> ProcessPoolExecutor:
    """The local worker processes, every one started now, from this (main) thread:
    processes forked later, while device threads run, could inherit a lock held."""
    pool = ProcessPoolExecutor(workers, initializer=_ignore_sigint)
    for f in [pool.submit(_ready) for _ in range(workers)]:
        f.result()
    return pool


def _row(ex: Exhibit, report: dict, report_path: Path) -> dict:
    (item,) = report["evidence"]
    s, p = item["summary"], item["priority"]
    return {
        "reference": ex.reference,
        "evidence": item["path"],
        "report": str(report_path.parent / "report.html"),
        "band": p["band"],
        "score": p["score"],
        "files": s["files"],
        "images": s["images"],
        "errors": s["errors"],
        "known": s["known"],
        "exact": s["matches"]["exact"],
        "perceptual": s["matches"]["perceptual"],
        "categories": {k: v["files"] for k, v in s["categories"].items()},
        "reasons": p["reasons"],
    }


def _write_summary(out: Path, summary: dict) -> None:
    rows = summary["devices"]
    (out / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    with open(out / "summary.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csvsafe.writer(fh)
        writer.writerow(SUMMARY_FIELDS)
        for r in rows:
            writer.writerow(
                [
                    ";".join(f"{k}={v}" for k, v in r["categories"].items())
                    if name == "categories"
                    else "; ".join(r["reasons"])
                    if name == "reasons"
                    else r[name]
                    for name in SUMMARY_FIELDS
                ]
            )
    body = "".join(
        "<tr>"
        f'<td><a href="{html.escape(Path(r["report"]).parent.name)}/report.html">'
        f"{html.escape(r['reference'])}</a></td>"
        f'<td><span class="band {r["band"]}">{r["band"]}</span></td>'
        f'<td class="n">{r["score"]}</td><td class="n">{r["files"]}</td>'
        f'<td class="n">{r["images"]}</td><td class="n">{r["exact"]}</td>'
        f'<td class="n">{r["perceptual"]}</td>'
        f"<td>{html.escape(', '.join(f'{k}: {v}' for k, v in r['categories'].items()) or '-')}"
        f'</td><td class="n">{r["errors"]}</td></tr>'
        for r in rows
    )
    high = sum(1 for r in rows if r["band"] == "high")
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Triage intake summary</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#0b0c0c}"
        "table{border-collapse:collapse}th,td{border-bottom:1px solid #b1b4b6;"
        "padding:.3rem .8rem;text-align:left}td.n{text-align:right}"
        ".band{font-weight:bold;padding:.1rem .5rem}.high{background:#d4351c;color:#fff}"
        ".medium{background:#f47738}.low{background:#00703c;color:#fff}"
        "</style></head><body><main><h1>Triage intake summary</h1>"
        f"<p>{len(rows)} device(s), {high} in the high band, most urgent first.</p>"
        "<table><thead><tr><th>Exhibit</th><th>Band</th><th>Score</th><th>Files</th>"
        "<th>Images</th><th>Exact</th><th>Perceptual</th><th>Categories</th><th>Errors</th>"
        f"</tr></thead><tbody>{body}</tbody></table></main></body></html>\n"
    )
    (out / "summary.html").write_text(page, "utf-8")
