"""The result store: SQLite in the output folder, committed in batches, surviving a kill.

Each processed entry's records go in with the entry in one transaction, so an
entry is either wholly stored or not at all; ``--resume`` skips stored entries.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from netsafe.triage.work import UnitResult

STORE_NAME = "scan-state.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS record (
  ev INTEGER NOT NULL, seq INTEGER NOT NULL, sub INTEGER NOT NULL,
  path TEXT NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (ev, seq, sub)
);
CREATE TABLE IF NOT EXISTS integrity (ev INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""


class ResultStore:
    """Processed records of one scan, keyed by (evidence index, entry seq, sub-record)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con = sqlite3.connect(path)
        self._con.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode loses at most the last transactions on power loss, never
        # consistency; each lost entry is simply processed again on resume.
        self._con.execute("PRAGMA synchronous=NORMAL")
        self._con.executescript(_SCHEMA)
        self._con.commit()

    def get_meta(self, key: str) -> str | None:
        """A stored setting of the scan, or None."""
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting of the scan (committed at once)."""
        self._con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        self._con.commit()

    def done(self, ev: int) -> set[int]:
        """The entries of evidence ``ev`` already stored."""
        return {
            r[0] for r in self._con.execute("SELECT DISTINCT seq FROM record WHERE ev = ?", (ev,))
        }

    def add(self, result: UnitResult) -> None:
        """Add a unit's records (visible to other readers once :meth:`commit` runs)."""
        rows = [
            (result.evidence_index, seq, sub, rec["path"], json.dumps(rec, sort_keys=True))
            for seq, records in result.files
            for sub, rec in enumerate(records)
        ]
        self._con.executemany("INSERT OR REPLACE INTO record VALUES (?, ?, ?, ?, ?)", rows)
        if result.carving is not None:
            part = min((seq for seq, _ in result.files), default=0)
            self.set_meta(f"carving/{result.evidence_index}/{part}", json.dumps(result.carving))
        if result.integrity is not None:
            self._con.execute(
                "INSERT OR REPLACE INTO integrity VALUES (?, ?)",
                (result.evidence_index, json.dumps(result.integrity, sort_keys=True)),
            )

    def forget_matches(self) -> None:
        """Drop the matches stored with every record (they were made against other hash
        sets): the outputs then match those records again."""
        self._con.execute("UPDATE record SET data = json_remove(data, '$.known', '$.matches')")
        self._con.commit()

    def commit(self) -> None:
        """Make everything added so far durable."""
        self._con.commit()

    def integrity(self, ev: int) -> dict | None:
        """The stored integrity check of evidence ``ev``, if it ran."""
        row = self._con.execute("SELECT data FROM integrity WHERE ev = ?", (ev,)).fetchone()
        return json.loads(row[0]) if row else None

    def carving(self, ev: int) -> dict | None:
        """What carving evidence ``ev`` did, its parts summed (None: not carved)."""
        rows = self._con.execute(
            "SELECT key, value FROM meta WHERE key LIKE ?", (f"carving/{ev}/%",)
        ).fetchall()
        parts = [json.loads(v) for _k, v in sorted(rows, key=lambda r: int(r[0].rsplit("/", 1)[1]))]
        if not parts:
            return None
        return {
            "areas": sum(p.get("areas", 0) for p in parts),
            "bytes": sum(p.get("bytes", 0) for p in parts),
            "searched": sum(p.get("searched", 0) for p in parts),
            "files": sum(p.get("files", 0) for p in parts),
            "stopped": next((p["stopped"] for p in parts if p.get("stopped")), None),
        }

    def records(self, ev: int) -> Iterator[dict]:
        """Every record of evidence ``ev``, ordered by path (ties by listing order)."""
        cur = self._con.execute(
            "SELECT data FROM record WHERE ev = ? ORDER BY path, seq, sub", (ev,)
        )
        for (data,) in cur:
            yield json.loads(data)

    def close(self) -> None:
        """Commit and close."""
        self._con.commit()
        self._con.close()
