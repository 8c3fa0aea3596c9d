"""scripts/serve-with-worker.sh (``make demo``): the server and the triage worker stop together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "serve-with-worker.sh"

# Stands in for `netsafe`: `serve` answers /healthz, `triage-worker` waits, and each
# writes its pid and, when it ends, why (SIGINT, as Ctrl-C, is what the script sends).
FAKE_NETSAFE = """#!{python}
import http.server, os, signal, sys, time
from pathlib import Path

here = Path(__file__).parent
command = sys.argv[1]
(here / f"{{command}}.pid").write_text(str(os.getpid()))

def stopped(signum, frame):
    (here / f"{{command}}.stopped").write_text(signal.Signals(signum).name)
    sys.exit(0)

signal.signal(signal.SIGINT, stopped)
signal.signal(signal.SIGTERM, stopped)
if command == "serve":
    port = int(sys.argv[sys.argv.index("--port") + 1])

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
elif command == "triage-worker":
    if os.environ.get("FAKE_WORKER_FAILS"):
        sys.exit(3)
    while True:
        time.sleep(0.1)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(tmp_path: Path, **env: str) -> subprocess.Popen:
    fake = tmp_path / "netsafe"
    fake.write_text(FAKE_NETSAFE.format(python=sys.executable))
    fake.chmod(0o755)
    (tmp_path / "python").symlink_to(sys.executable)
    return subprocess.Popen(
        [str(SCRIPT), str(fake), "127.0.0.1", str(_free_port())],
        env=os.environ | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A session of its own, with SIGINT at its default: as run from a terminal.
        start_new_session=True,
        restore_signals=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.1)


@pytest.mark.skipif(sys.platform != "linux", reason="bash job control as on the demo machine")
def test_ctrl_c_stops_the_server_and_the_worker(tmp_path):
    script = _start(tmp_path)
    _wait_for(tmp_path / "triage-worker.pid")  # started only once the server answers
    assert (tmp_path / "serve.pid").exists()
    os.killpg(script.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    script.communicate(timeout=30)
    assert script.returncode == 0
    assert (tmp_path / "serve.stopped").read_text() == "SIGINT"
    assert (tmp_path / "triage-worker.stopped").read_text() == "SIGINT"


@pytest.mark.skipif(sys.platform != "linux", reason="bash job control as on the demo machine")
def test_the_server_stops_when_the_worker_fails(tmp_path):
    script = _start(tmp_path, FAKE_WORKER_FAILS="1")
    _, err = script.communicate(timeout=30)
    assert script.returncode == 3
    assert "stopping the other" in err
    assert (tmp_path / "serve.stopped").read_text() == "SIGINT"
