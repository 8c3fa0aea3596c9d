"""A triage scan: open the evidence, split it into work units, run them on worker
processes, keep results in the store, and write the outputs.

Interrupted scans continue with ``resume=True``: stored entries are skipped and
the outputs are written from the store, so they equal those of a scan that was
never interrupted.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from netsafe.triage.carving import CarveLimits
from netsafe.triage.hashsets import DEFAULT_VICS_CATEGORIES, HashSet, HashSetError, load_hashset
from netsafe.triage.indicators import load_rules
from netsafe.triage.matching import DEFAULT_MAX_DISTANCE
from netsafe.triage.report import EvidenceInfo, write_outputs
from netsafe.triage.sources import (
    Entry,
    Evidence,
    EvidenceError,
    Integrity,
    on_bad_ranges,
    open_evidence,
)
from netsafe.triage.sources.archive import Limits
from netsafe.triage.store import STORE_NAME, ResultStore
from netsafe.triage.unallocated import media_size
from netsafe.triage.work import (
    CarveSpec,
    MatchSpec,
    UnitResult,
    WorkUnit,
    carve_parts,
    entry_record,
    forget_inherited_evidence,
    matching_index,
    process_unit,
)

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: The kinds of evidence whose unallocated space is carved (disk images).
CARVED_KINDS = ("raw", "ewf")
#: A unit holds up to this many files or bytes, so progress is smooth and a kill loses little.
UNIT_FILES = 64
UNIT_BYTES = 64 << 20
#: Commit the store at least this often (seconds).
COMMIT_EVERY = 1.0
#: How often a scan told to stop from another thread looks (seconds).
STOP_POLL = 0.2


class ScanError(Exception):
    """Unusable arguments or evidence: the message is one line for the examiner."""


class ScanInterrupted(Exception):
    """The scan was stopped (Ctrl-C); what was done is stored and ``--resume`` continues it."""


class _StopRequested(Exception):
    """``ScanOptions.stop`` was set: handled as Ctrl-C is."""


class Progress:
    """Receives progress; the command line shows it with Rich, the library ignores it."""

    def start(self, files: int, nbytes: int, done_files: int, done_bytes: int) -> None:
        """The totals are known (and how much a resumed scan had already done)."""

    def advance(self, files: int, nbytes: int) -> None:
        """Some more files were processed."""


@dataclass
class ScanOptions:
    """Everything a scan needs; the command line builds one from its arguments."""

    evidence: list[Path]
    out: Path
    hashsets: list[Path] = field(default_factory=list)
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    resume: bool = False
    max_distance: int = DEFAULT_MAX_DISTANCE
    categories: dict[int, str] = field(default_factory=lambda: dict(DEFAULT_VICS_CATEGORIES))
    limits: Limits = field(default_factory=Limits)
    #: A Dask distributed scheduler address: the units run on its workers, which must
    #: see the evidence at the same paths (shared storage).
    scheduler: str | None = None
    #: Match rotated and mirrored copies too (8 PDQ hashes per image).
    dihedral: bool = False
    #: Where hash-set PDQ indexes are cached (None: the default cache folder).
    index_cache: Path | None = None
    #: Carve the unallocated space of disk images (raw, E01) for pictures and videos.
    carve: bool = True
    carve_limits: CarveLimits = field(default_factory=CarveLimits)
    #: Set from another thread to stop the scan as Ctrl-C would: a batch scanning devices
    #: side by side gets Ctrl-C in its main thread and stops each device's scan this way.
    stop: threading.Event | None = None
    #: A process pool shared by several scans (a batch scanning devices side by side);
    #: the scan uses it instead of starting its own, and leaves it running.
    executor: Executor | None = None


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def prepare_out(out: Path, resume: bool) -> None:
    """Create ``out``; refuse a non-empty one unless resuming a scan that is there."""
    if out.exists() and not out.is_dir():
        raise ScanError(f"--out {out} exists and is not a folder")
    if resume:
        if not (out / STORE_NAME).is_file():
            raise ScanError(f"--resume: no interrupted scan in {out} (no {STORE_NAME})")
        return
    if out.is_dir() and any(out.iterdir()):
        raise ScanError(
            f"--out {out} is not empty: choose a new folder, or add --resume to continue"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScanError(f"cannot create --out {out}: {exc.strerror}") from None


def load_hashsets(
    paths: Iterable[Path], categories: dict[int, str], cache_dir: Path | None = None
) -> list[HashSet]:
    """Load every hash set (compiled into ``cache_dir`` the first time), or fail with a
    one-line :class:`ScanError`."""
    try:
        return [load_hashset(p, categories, cache_dir) for p in paths]
    except HashSetError as exc:
        raise ScanError(str(exc)) from None


def make_units(
    ev_index: int,
    kind: str,
    label: str,
    entries: Iterable[Entry],
    done: set[int],
    limits: Limits,
    dihedral: bool = False,
    matching: MatchSpec | None = None,
) -> Iterator[WorkUnit]:
    """Cut an evidence item's entries (those not yet done) into work units."""
    batch: list[Entry] = []
    size = 0

    def unit() -> WorkUnit:
        return WorkUnit(
            ev_index, label, kind, tuple(batch), limits=limits, dihedral=dihedral, matching=matching
        )

    for entry in entries:
        if entry.seq in done:
            continue
        if batch and (len(batch) >= UNIT_FILES or size + entry.size > UNIT_BYTES):
            yield unit()
            batch, size = [], 0
        batch.append(entry)
        size += entry.size
    if batch:
        yield unit()


def safe_process_unit(unit: WorkUnit) -> UnitResult:
    """:func:`process_unit`, but a failure becomes an error on each of the unit's files."""
    try:
        return process_unit(unit)
    except Exception as exc:
        return failed_unit(unit, f"not processed: {type(exc).__name__}: {exc}")


def failed_unit(unit: WorkUnit, message: str) -> UnitResult:
    """The result of a unit that could not be processed: ``message`` on each of its files."""
    result = UnitResult(unit.evidence_index)
    for entry in unit.entries:
        rec = entry_record(unit.evidence_path, entry)
        rec["error"] = message
        result.files.append((entry.seq, [rec]))
    if unit.carve is not None:
        # Said in the report's evidence errors, like a budget that ran out.
        result.carving = {"files": 0, "stopped": f"carving failed ({message})"}
        result.files.append((unit.carve.seq, []))
    if unit.verify:
        result.integrity = Integrity.failed(message).as_dict()
    return result


def worker_init(parent: int) -> None:
    """Set up a local worker process: Ctrl-C is the parent's to handle, and the worker
    ends when the parent dies, however it dies (``kill -9`` included), instead of staying
    behind with the evidence open."""
    # Ctrl-C goes to the whole process group; only the parent handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    forget_inherited_evidence()
    end_with_parent(parent)


def end_with_parent(parent: int) -> None:
    """Make this process end when process ``parent`` does.

    Linux: the kernel sends SIGKILL on the parent's death (``PR_SET_PDEATHSIG``). Elsewhere
    a daemon thread looks once a second whether the parent is still there. Either way a
    parent that died before this ran is noticed at once.
    """
    if _set_death_signal():
        if os.getppid() != parent:
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="netsafe-parent-watch", daemon=True).start()


#: How often a worker without PR_SET_PDEATHSIG looks whether its parent is alive (seconds).
PARENT_POLL = 1.0
_PR_SET_PDEATHSIG = 1


def _set_death_signal() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def run_units(
    executor: Executor | None,
    units: Iterable[WorkUnit],
    on_result: Callable[[UnitResult], None],
    inflight: int,
    stop: threading.Event | None = None,
) -> None:
    """Run units on ``executor`` (inline when None), at most ``inflight`` queued at once.

    Raises :class:`_StopRequested` soon after ``stop`` is set.
    """
    if executor is None:
        for unit in units:
            _check(stop)
            on_result(safe_process_unit(unit))
        return
    pending: set[Future] = set()
    it = iter(units)
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < inflight:
            nxt = next(it, None)
            if nxt is None:
                exhausted = True
            else:
                pending.add(executor.submit(safe_process_unit, nxt))
        if pending:
            timeout = STOP_POLL if stop is not None else None
            finished, pending = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            for fut in finished:
                on_result(fut.result())
            _check(stop)


def _check(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise _StopRequested


def scan(options: ScanOptions, progress: Progress | None = None) -> dict:
    """Run (or resume) a scan and write its outputs; returns the report.json object.

    Raises :class:`ScanError` for unusable arguments or evidence and
    :class:`ScanInterrupted` on Ctrl-C (after storing what was done).
    """
    progress = progress or Progress()
    if options.workers < 1:
        raise ScanError("--workers must be at least 1")
    if options.max_distance < 0 or options.max_distance > 256:
        raise ScanError("--max-distance must be between 0 and 256")
    labels = [str(p.resolve()) for p in options.evidence]
    if len(set(labels)) != len(labels):
        raise ScanError("the same evidence is given twice")
    out = options.out.resolve()
    for label in labels:
        if out == Path(label) or Path(label) in out.parents:
            raise ScanError(
                f"--out {options.out} is inside the evidence {label}: choose a folder outside it"
            )
    hashsets = load_hashsets(options.hashsets, options.categories, options.index_cache)
    evidence: list[Evidence] = []
    try:
        for p in options.evidence:
            evidence.append(open_evidence(p, limits=options.limits))
    except EvidenceError as exc:
        raise ScanError(str(exc)) from None
    prepare_out(options.out, options.resume)
    store = ResultStore(options.out / STORE_NAME)
    try:
        return _scan(options, progress, store, evidence, labels, hashsets)
    except KeyboardInterrupt:
        # Ctrl-C while listing the evidence or writing the outputs: what is stored is
        # kept (closing commits it), and a resume does the rest.
        raise ScanInterrupted(f"scan of {len(evidence)} evidence item(s) interrupted") from None
    finally:
        store.close()
        for ev in evidence:
            ev.close()


def _scan(
    options: ScanOptions,
    progress: Progress,
    store: ResultStore,
    evidence: list[Evidence],
    labels: list[str],
    hashsets: list[HashSet],
) -> dict:
    """The procedure: check that a resume continues the same scan, plan the work that is
    left, run it (storing each result), then write the outputs from the store."""
    started = check_resume(options, store, labels)
    matching = MatchSpec.of(hashsets, options.categories, options.max_distance, options.index_cache)
    keep_or_forget_matches(store, matching)
    plan = plan_units(options, store, evidence, labels, matching)
    progress.start(plan.total_files, plan.total_bytes, plan.done_files, plan.done_bytes)
    run_plan(options, plan, store, progress, matching, hashsets)
    return write_scan(options, store, evidence, labels, plan, matching, hashsets, started)


def check_resume(options: ScanOptions, store: ResultStore, labels: list[str]) -> str:
    """Record what a new scan scans (evidence, PDQ mode), or check that a resume is of the
    same evidence in the same mode; returns when the scan first started."""
    stored = store.get_meta("evidence")
    if stored is None:
        store.set_meta("evidence", json.dumps(labels))
        store.set_meta("started", _now())
    elif json.loads(stored) != labels:
        raise ScanError(
            f"--resume: {options.out} holds a scan of other evidence "
            f"({', '.join(json.loads(stored))})"
        )
    # Images already stored carry dihedral hashes or not: a resume must keep the mode.
    mode = "dihedral" if options.dihedral else "plain"
    stored_mode = store.get_meta("pdq_mode")
    if stored_mode is None:
        store.set_meta("pdq_mode", mode)
    elif stored_mode != mode:
        was = "with" if stored_mode == "dihedral" else "without"
        raise ScanError(
            f"--resume: {options.out} was scanned {was} --dihedral; resume it the same way"
        )
    return store.get_meta("started") or _now()


def keep_or_forget_matches(store: ResultStore, matching: MatchSpec) -> None:
    """Workers store each file's matches with it. A resume against other hash sets (or
    labels, or distance) matches everything again: the stored matches are dropped."""
    if store.get_meta("matching") != matching.key():
        store.forget_matches()
        store.set_meta("matching", matching.key())


@dataclass
class ScanPlan:
    """The units still to run, each evidence item's listing, and the progress totals."""

    units: list[WorkUnit] = field(default_factory=list)
    listings: list[list[Entry]] = field(default_factory=list)
    total_files: int = 0
    total_bytes: int = 0
    done_files: int = 0
    done_bytes: int = 0


def plan_units(
    options: ScanOptions,
    store: ResultStore,
    evidence: list[Evidence],
    labels: list[str],
    matching: MatchSpec,
) -> ScanPlan:
    """List every evidence item and cut what is not stored yet into units: its media
    check (if it has a stored hash), its files, then its carving parts."""
    plan = ScanPlan()
    for i, ev in enumerate(evidence):
        done = store.done(i)
        entries = list(ev.entries())
        plan.listings.append(entries)
        plan.total_files += len(entries)
        plan.total_bytes += sum(e.size for e in entries)
        plan.done_files += sum(1 for e in entries if e.seq in done)
        plan.done_bytes += sum(e.size for e in entries if e.seq in done)
        if ev.has_stored_hash() and store.integrity(i) is None:
            plan.units.append(WorkUnit(i, labels[i], ev.kind, verify=True, limits=options.limits))
        plan.units.extend(
            make_units(
                i, ev.kind, labels[i], entries, done, options.limits, options.dihedral, matching
            )
        )
        if options.carve and ev.kind in CARVED_KINDS:
            plan.units.extend(
                _carve_units(options, plan, i, ev, labels[i], entries, done, matching)
            )
    # Media checks first (they read a whole image), then the largest units, so that no
    # worker is left alone with a big file at the end. Archives keep their order: a
    # compressed TAR only reads forward cheaply. Outputs do not depend on this order.
    plan.units.sort(key=lambda u: (not u.verify, 0 if u.kind == "archive" else -u.bytes))
    return plan


def _carve_units(
    options: ScanOptions,
    plan: ScanPlan,
    i: int,
    ev: Evidence,
    label: str,
    entries: list[Entry],
    done: set[int],
    matching: MatchSpec,
) -> Iterator[WorkUnit]:
    # Carving comes after the listed files: its rows are stored under the next seqs.
    first = max((e.seq for e in entries), default=-1) + 1
    parts = carve_parts(media_size(ev))
    for part in range(parts):
        if first + part in done:
            continue
        plan.total_files += 1  # the progress bar counts each carving part as a file
        yield WorkUnit(
            i,
            label,
            ev.kind,
            limits=options.limits,
            dihedral=options.dihedral,
            matching=matching,
            carve=CarveSpec(first + part, options.carve_limits, part, parts),
        )


def run_plan(
    options: ScanOptions,
    plan: ScanPlan,
    store: ResultStore,
    progress: Progress,
    matching: MatchSpec,
    hashsets: list[HashSet],
) -> None:
    """Run the plan's units (on the Dask cluster, a shared or own local pool, or inline),
    storing each result as it arrives; Ctrl-C or ``options.stop`` stores what was done
    and raises :class:`ScanInterrupted`."""
    last_commit = time.monotonic()

    def on_result(result: UnitResult) -> None:
        nonlocal last_commit
        store.add(result)
        now = time.monotonic()
        if now - last_commit >= COMMIT_EVERY:
            store.commit()
            last_commit = now
        progress.advance(
            len(result.files), sum(recs[0]["size"] or 0 for _, recs in result.files if recs)
        )

    units = plan.units
    if options.scheduler:
        run_on_dask(options.scheduler, units, on_result, store, options.stop)
        units = []
    elif units:
        # Built here once: the local workers, forked from this process, inherit it.
        matching_index(matching, hashsets)
    shared = options.executor
    own: ProcessPoolExecutor | None = None
    if shared is None and options.workers > 1 and len(units) > 1:
        # Imported here: multiprocessing costs a scan that runs inline (a small folder,
        # --workers 1) a twentieth of a second.
        from concurrent.futures import ProcessPoolExecutor

        own = ProcessPoolExecutor(options.workers, initializer=worker_init, initargs=(os.getpid(),))
    executor = own or (shared if units else None)
    try:
        run_units(executor, units, on_result, inflight=2 * options.workers, stop=options.stop)
    except (KeyboardInterrupt, _StopRequested):
        store.commit()
        if own is not None:
            _stop(own)
            own = None
        raise ScanInterrupted(
            f"scan of {len(plan.listings)} evidence item(s) interrupted"
        ) from None
    finally:
        if own is not None:
            own.shutdown()
    store.commit()


def write_scan(
    options: ScanOptions,
    store: ResultStore,
    evidence: list[Evidence],
    labels: list[str],
    plan: ScanPlan,
    matching: MatchSpec,
    hashsets: list[HashSet],
    started: str,
) -> dict:
    """Write the outputs from the store (files on bad media marked); the report.json object."""
    infos = [
        EvidenceInfo(
            labels[i],
            ev.kind,
            store.integrity(i) or {"stored_md5": None, "computed_md5": None, "verified": None},
            list(ev.errors) + _carving_errors(store.carving(i)),
            list(ev.volume_signatures),
            [v.as_dict() for v in ev.describe_volumes()],
            carving=store.carving(i),
        )
        for i, ev in enumerate(evidence)
    ]
    damaged = [
        damaged_files(ev, plan.listings[i], (store.integrity(i) or {}).get("bad_ranges") or [])
        for i, ev in enumerate(evidence)
    ]
    return write_outputs(
        options.out,
        infos,
        lambda i: mark_damaged(store.records(i), damaged[i]),
        lambda: matching_index(matching, hashsets),
        hashsets,
        load_rules(),
        options.max_distance,
        started,
        _now(),
    )


def _carving_errors(carving: dict | None) -> list[str]:
    """The evidence error that says carving ended early (a budget ran out), if it did."""
    if carving and carving.get("stopped"):
        return [f"{carving['stopped']}: the rest of the unallocated space was not carved"]
    return []


def damaged_files(evidence: Evidence, entries: list[Entry], bad: list[list[int]]) -> dict[str, str]:
    """Path -> error of each file whose content lies on the media's ``bad`` ranges."""
    if not bad:
        return {}
    ranges = [(a, b) for a, b in bad]
    out = {}
    for entry in entries:
        try:
            runs = evidence.byte_runs(entry)
        except (OSError, RuntimeError):
            continue
        message = on_bad_ranges(runs, ranges)
        if message:
            out[entry.path] = message
    return out


def mark_damaged(records: Iterable[dict], damaged: dict[str, str]) -> Iterator[dict]:
    """The records, those of files on bad media (and their archive members) with the
    error added; their hashes are kept."""
    for rec in records:
        path = rec["path"]
        message = damaged.get(path) or damaged.get(path.split("!", 1)[0])
        if message:
            rec["error"] = f"{message}; {rec['error']}" if rec.get("error") else message
        yield rec


def run_on_dask(
    address: str,
    units: list[WorkUnit],
    on_result: Callable[[UnitResult], None],
    store: ResultStore,
    stop: threading.Event | None = None,
) -> None:
    """Run the units on a Dask distributed cluster, results stored as they arrive.

    A unit whose worker dies is run again elsewhere by the scheduler; nothing is
    stored until its result is back, so a lost worker loses nothing. A unit that
    kills worker after worker (the scheduler's ``allowed-failures``) becomes an
    error on each of its files instead of stopping the scan. The workers match the
    files too: each loads the hash sets (which must be at the same paths there) and
    their indexes once, and returns records with their matches.
    """
    from distributed import Client, as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    try:
        # Not the default client: a process (the web app's worker, a test) may hold one
        # of its own on another event loop.
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ScanError(f"--scheduler {address}: cannot connect: {exc}") from None
    try:
        inflight = 4 * max(1, sum(client.nthreads().values()))
        it = iter(units)
        unit_of: dict[object, WorkUnit] = {}
        first = []
        for unit in islice(it, inflight):
            fut = client.submit(safe_process_unit, unit, pure=False)
            unit_of[fut.key] = unit
            first.append(fut)
        done = as_completed(first, loop=client.loop)
        while not done.is_empty():
            _check(stop)
            if stop is not None and not done.has_ready():
                stop.wait(STOP_POLL)
                continue
            fut = next(done)
            unit = unit_of.pop(fut.key)
            try:
                result = fut.result()
            except (KilledWorker, FutureCancelledError) as exc:
                result = failed_unit(unit, f"not processed: {type(exc).__name__}: {exc}")
            on_result(result)
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                new = client.submit(safe_process_unit, nxt, pure=False)
                unit_of[new.key] = nxt
                done.add(new)
    except (KeyboardInterrupt, _StopRequested):
        store.commit()
        raise ScanInterrupted("scan interrupted") from None
    finally:
        client.close()


def _stop(executor: ProcessPoolExecutor) -> None:
    """Stop worker processes at once: their unfinished units are simply done again on resume."""
    processes = list(getattr(executor, "_processes", {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.terminate()
    for proc in processes:
        proc.join(timeout=5)
