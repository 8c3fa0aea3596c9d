"""Triage on a Dask distributed cluster of worker processes, one of them killed mid-scan,
and whole intakes with ``netsafe triage batch``."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.triage.conftest import STANDARD_FILES, jpeg_bytes, photo, write_tree
from typer.testing import CliRunner

from netsafe.triage import scan as scan_module
from netsafe.triage.batch import ManifestError, read_manifest
from netsafe.triage.cli import app
from netsafe.triage.matching import HashIndex
from netsafe.triage.perceptual import pdq_of_stream
from netsafe.triage.scan import Progress, ScanOptions, scan

#: Generous bounds: a loaded 2-core machine starts worker processes slowly.
CLUSTER_TIMEOUT = "120s"


def outputs(out: Path) -> dict:
    """What must not depend on where the scan ran: the files and the report minus its times."""
    report = json.loads((out / "report.json").read_text("utf-8"))
    del report["started"], report["finished"]
    return {
        "jsonl": (out / "files.jsonl").read_bytes(),
        "csv": (out / "files.csv").read_bytes(),
        "report": report,
    }


@pytest.fixture(scope="module")
def devices(tmp_path_factory) -> list[Path]:
    """Three small devices: the standard files, and two folders of photos."""
    root = tmp_path_factory.mktemp("devices")
    first = write_tree(root / "dev-1", STANDARD_FILES)
    second = write_tree(
        root / "dev-2",
        {f"DCIM/p{i:03}.jpg": jpeg_bytes(photo(100 + i, (96, 72))) for i in range(40)},
    )
    third = write_tree(
        root / "dev-3",
        {f"pics/q{i:03}.jpg": jpeg_bytes(photo(200 + i, (96, 72))) for i in range(24)},
    )
    return [first, second, third]


@pytest.fixture(scope="module")
def hashset(tmp_path_factory) -> Path:
    """A UK CSV: device 2's photo 5 in category A (exact), device 3's photo 7 in B (PDQ)."""
    path = tmp_path_factory.mktemp("set") / "uk.csv"
    exact = jpeg_bytes(photo(105, (96, 72)))
    # Device 3's photo 7 as another tool would have listed it: a few bits away.
    listed, _quality = pdq_of_stream(io.BytesIO(jpeg_bytes(photo(207, (96, 72)))))
    near = format(int(listed, 16) ^ 0b1011, "064x")
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("id", "md5", "pdq", "category"))
        writer.writerow(("a-1", hashlib.md5(exact).hexdigest(), "", "A"))
        writer.writerow(("b-1", "", near, "B"))
    return path


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one thread each, restarted by their nannies when killed."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: None still binds 8787
        timeout=CLUSTER_TIMEOUT,
    ) as c:
        yield c


class KillOneWorker(Progress):
    """After ``after`` units have come back, SIGKILL one worker process of the cluster."""

    def __init__(self, pid: int, after: int) -> None:
        self.pid, self.after, self.seen, self.killed = pid, after, 0, False

    def advance(self, files: int, nbytes: int) -> None:
        self.seen += 1
        if self.seen == self.after:
            os.kill(self.pid, signal.SIGKILL)
            self.killed = True


@pytest.mark.slow
def test_worker_killed_mid_scan_loses_nothing(tmp_path, devices, hashset, cluster, monkeypatch):
    from distributed import Client

    # Small units, so each worker holds several when one of them dies.
    monkeypatch.setattr(scan_module, "UNIT_FILES", 3)
    local = tmp_path / "local"
    scan(ScanOptions(list(devices), local, [hashset], workers=1))

    # The workers match the files: this process never looks a hash up.
    def no_lookups_here(*args, **kwargs):
        raise AssertionError("the client looked up hashes: matching belongs on the workers")

    monkeypatch.setattr(HashIndex, "lookup", no_lookups_here)
    with Client(cluster.scheduler_address, timeout=CLUSTER_TIMEOUT) as client:
        client.wait_for_workers(2, timeout=CLUSTER_TIMEOUT)
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]
        killer = KillOneWorker(victim, after=3)
        remote = tmp_path / "dask"
        scan(
            ScanOptions(list(devices), remote, [hashset], scheduler=cluster.scheduler_address),
            killer,
        )
        assert killer.killed
        # The nanny starts a new process in place of the killed one.
        client.wait_for_workers(2, timeout=CLUSTER_TIMEOUT)
        assert victim not in client.run(os.getpid).values()

    assert outputs(remote) == outputs(local)
    report = json.loads((remote / "report.json").read_text("utf-8"))
    counts = [ev["summary"]["files"] for ev in report["evidence"]]
    assert counts == [len(STANDARD_FILES), 40, 24]
    assert report["evidence"][1]["summary"]["categories"] == {"A": {"files": 1, "unique": 1}}
    assert report["evidence"][2]["summary"]["matches"]["perceptual"] == 1


def _batch(*args: object):
    return CliRunner().invoke(app, ["batch", *[str(a) for a in args]])


def test_batch_scans_each_device_and_orders_the_summary(tmp_path, devices, hashset):
    manifest = tmp_path / "intake.csv"
    manifest.write_text(
        "reference,evidence\n"
        f"EX/1,{devices[0]}\n"
        "# a comment line\n"
        f"EX/2,{devices[1]}\n"
        f"EX/3,{devices[2]}\n"
    )
    out = tmp_path / "intake"
    result = _batch(manifest, "--out", out, "--hashset", hashset, "--workers", "1")
    assert result.exit_code == 0, result.output + repr(result.exception)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    refs = [d["reference"] for d in summary["devices"]]
    # Category A outranks B, which outranks a device with no match.
    assert refs == ["EX/2", "EX/3", "EX/1"]
    assert summary["devices"][0]["band"] == "high"
    for folder in ("EX_1", "EX_2", "EX_3"):
        assert (out / folder / "report.html").is_file()
    with open(out / "summary.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["reference"] for r in table] == refs
    assert table[0]["categories"] == "A=1"
    assert "EX/2" in (out / "summary.html").read_text("utf-8")

    # Run again after losing one device's outputs: only that device is scanned.
    (out / "EX_3" / "report.json").unlink()
    again = _batch(manifest, "--out", out, "--hashset", hashset, "--workers", "1")
    assert again.exit_code == 0, again.output
    assert "EX/1: done before" in again.output
    assert json.loads((out / "summary.json").read_text("utf-8")) == summary


def test_local_batch_scans_devices_side_by_side_on_one_pool(
    tmp_path, devices, hashset, monkeypatch
):
    manifest = tmp_path / "intake.txt"
    manifest.write_text("".join(f"EX{i} {d}\n" for i, d in enumerate(devices, 1)))
    one_by_one = tmp_path / "one-by-one"
    result = _batch(manifest, "--out", one_by_one, "--hashset", hashset, "--workers", "1")
    assert result.exit_code == 0, result.output

    import concurrent.futures

    import netsafe.triage.batch  # noqa: F401 - the batch's own pool, bound before the patch

    def no_pool_per_device(*args, **kwargs):
        raise AssertionError("a device's scan started a pool of its own")

    # Every device's scan runs its units on the batch's one pool of two workers (a scan
    # imports ProcessPoolExecutor from concurrent.futures when it starts a pool; the
    # batch imported its own before).
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool_per_device)
    shared = tmp_path / "shared"
    result = _batch(manifest, "--out", shared, "--hashset", hashset, "--workers", "2")
    assert result.exit_code == 0, result.output + repr(result.exception)
    for ex in ("EX1", "EX2", "EX3"):
        assert outputs(shared / ex) == outputs(one_by_one / ex), ex


def test_manifest_errors_name_the_line(tmp_path, devices):
    manifest = tmp_path / "m.txt"
    manifest.write_text(f"EX1 {devices[0]}\n\nEX2\n")
    with pytest.raises(ManifestError, match=r"m\.txt:3: expected a reference and an evidence"):
        read_manifest(manifest)
    manifest.write_text(f"EX1 {devices[0]}\nEX2 missing/folder\n")
    with pytest.raises(ManifestError, match=r"m\.txt:2: evidence of EX2 not found"):
        read_manifest(manifest)
    manifest.write_text(f"EX/1 {devices[0]}\nEX_1 {devices[1]}\n")
    with pytest.raises(ManifestError, match=r"m\.txt:2: .* same report folder \(EX_1\) as line 1"):
        read_manifest(manifest)
    result = _batch(manifest, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert "same report folder" in result.output
    assert "Traceback" not in result.output
    # Whitespace-separated: the path is the rest of the line.
    spaced = tmp_path / "with space"
    spaced.mkdir()
    manifest.write_text(f"EX9   {spaced}\n")
    assert read_manifest(manifest)[0].evidence == spaced


@pytest.mark.slow
def test_batch_on_the_cluster_equals_the_local_batch(tmp_path, devices, hashset, cluster):
    manifest = tmp_path / "intake.txt"
    manifest.write_text("".join(f"EX{i} {d}\n" for i, d in enumerate(devices, 1)))
    local, remote = tmp_path / "local", tmp_path / "remote"
    result = _batch(manifest, "--out", local, "--hashset", hashset, "--workers", "1")
    assert result.exit_code == 0, result.output
    result = _batch(
        manifest,
        "--out",
        remote,
        "--hashset",
        hashset,
        "--scheduler",
        cluster.scheduler_address,
        "--devices-at-once",
        "2",
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    for ex in ("EX1", "EX2", "EX3"):
        assert outputs(remote / ex) == outputs(local / ex), ex

    def devices_of(out: Path) -> list[dict]:
        rows = json.loads((out / "summary.json").read_text("utf-8"))["devices"]
        return [{k: v for k, v in r.items() if k != "report"} for r in rows]

    assert devices_of(remote) == devices_of(local)


@pytest.mark.slow
def test_ctrl_c_stops_a_batch_on_the_cluster_and_running_it_again_finishes(tmp_path, cluster):
    """Devices scanned side by side run in threads; Ctrl-C reaches only the main one, which
    must stop them all (not wait for them to finish), store what was done and say so."""
    # Many small files: a few seconds of work, so Ctrl-C lands while devices are scanning.
    lines = []
    for d in range(4):
        folder = write_tree(
            tmp_path / f"dev{d}",
            {f"docs/n{i:04}.txt": f"note {d} {i}\n".encode() for i in range(1500)},
        )
        lines.append(f"EX{d} {folder}\n")
    manifest = tmp_path / "intake.txt"
    manifest.write_text("".join(lines))
    out = tmp_path / "out"
    command = [
        str(Path(sys.executable).with_name("netsafe")),
        "triage",
        "batch",
        str(manifest),
        "--out",
        str(out),
        "--scheduler",
        cluster.scheduler_address,
        "--devices-at-once",
        "2",
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while not list(out.glob("*/scan-state.sqlite")) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert f"Interrupted; run the same command again to continue in {out}" in err
    assert "Traceback" not in err
    assert not (out / "summary.json").exists()
    assert len(list(out.glob("*/report.json"))) < 4

    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert sorted((d["reference"], d["files"]) for d in summary["devices"]) == [
        (f"EX{d}", 1500) for d in range(4)
    ]
