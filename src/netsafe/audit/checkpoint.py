"""Signed checkpoints: the audit chain anchored outside the database.

The hash chain shows an entry altered in place, but anyone who can write to the
database can also delete the newest entries and move the chain head back, or
rewrite an entry and recompute every later hash: the chain is then consistent
again. A checkpoint is the chain head (sequence number and hash) signed with an
Ed25519 key that is *not* in the database, appended as one JSON line to a file
that is not in the database either (to be copied to write-once storage or to
another machine). ``netsafe audit verify`` then checks the log against every
checkpoint: a log shorter than one, or whose entry at a checkpoint's number has
another hash, fails and names the checkpoint.

Configuration (environment):

- ``NETSAFE_AUDIT_KEY``: the private key, PEM (PKCS#8) or its 32-byte seed in hex
  or base64. When unset, ``NETSAFE_VAR/audit-signing-key.pem`` is used, created
  (mode 0600) on first use.
- ``NETSAFE_AUDIT_CHECKPOINTS``: the checkpoint file (default
  ``NETSAFE_VAR/audit-checkpoints.jsonl``).
- ``NETSAFE_AUDIT_CHECKPOINT_MINUTES``: the server takes a checkpoint after an
  audited write once the newest checkpoint is this many minutes old (default 10;
  ``0`` turns it off, e.g. when a timer runs ``netsafe audit checkpoint``). Off by
  default under ``NETSAFE_ENV=test``.

A line of the file::

    {"seq": 812, "hash": "<entry #812's hash>", "at": "2026-12-03T10:15:00.123456+00:00",
     "key_id": "<first 16 hex of SHA-256 of the raw public key>", "signature": "<base64>"}

The signature covers the canonical JSON (sorted keys, no spaces) of the other four
fields.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.db import router, transaction
from django.db.models.signals import post_save

from .models import AuditEntry

KEY_FILE_NAME = "audit-signing-key.pem"
CHECKPOINTS_FILE_NAME = "audit-checkpoints.jsonl"
DEFAULT_INTERVAL_MINUTES = 10
SIGNED_FIELDS = ("seq", "hash", "at", "key_id")


class CheckpointError(Exception):
    """A key or checkpoint file that cannot be used; the message says which and why."""


def _var_dir() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path.cwd() / "var"))


def checkpoints_path() -> Path:
    """Where checkpoints are appended (``NETSAFE_AUDIT_CHECKPOINTS`` or under NETSAFE_VAR)."""
    configured = os.environ.get("NETSAFE_AUDIT_CHECKPOINTS", "").strip()
    return Path(configured) if configured else _var_dir() / CHECKPOINTS_FILE_NAME


def key_path() -> Path:
    """The key file used when ``NETSAFE_AUDIT_KEY`` is not set."""
    return _var_dir() / KEY_FILE_NAME


def interval_minutes() -> float:
    """Minutes between the server's own checkpoints (0: the server takes none)."""
    raw = os.environ.get("NETSAFE_AUDIT_CHECKPOINT_MINUTES", "").strip()
    if not raw:
        return 0 if getattr(settings, "ENV", "") == "test" else DEFAULT_INTERVAL_MINUTES
    try:
        value = float(raw)
    except ValueError:
        raise CheckpointError(
            f"NETSAFE_AUDIT_CHECKPOINT_MINUTES must be a number of minutes, not {raw!r}"
        ) from None
    return max(value, 0)


def _key_from_text(text: str, where: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError) as exc:
            raise CheckpointError(f"{where}: not a usable PEM private key ({exc})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise CheckpointError(f"{where}: the key is not an Ed25519 key")
        return key
    seed: bytes | None = None
    if len(text) == 64:
        try:
            seed = bytes.fromhex(text)
        except ValueError:
            seed = None
    if seed is None:
        try:
            seed = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=False)
        except (binascii.Error, ValueError):
            seed = b""
    if len(seed) != 32:
        raise CheckpointError(
            f"{where}: expected an Ed25519 key as PEM or a 32-byte seed in hex or base64"
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    """The checkpoint key: ``NETSAFE_AUDIT_KEY``, else the key file (created on first use)."""
    configured = os.environ.get("NETSAFE_AUDIT_KEY", "").strip()
    if configured:
        return _key_from_text(configured, "NETSAFE_AUDIT_KEY")
    path = key_path()
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: two processes starting at once must not each write their own key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    try:
        return _key_from_text(path.read_text("ascii"), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"cannot read the audit key {path}: {exc}") from None


def key_id(public: Ed25519PublicKey) -> str:
    """A short name of a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _message(record: dict) -> bytes:
    signed = {name: record[name] for name in SIGNED_FIELDS}
    return json.dumps(signed, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    """One line of the checkpoint file."""

    line: int
    seq: int
    hash: str
    at: str
    key_id: str

    def describe(self) -> str:
        """How a message names this checkpoint."""
        return f"checkpoint of {self.at} (line {self.line}: entry #{self.seq})"


def _head(db: str) -> tuple[int, str] | None:
    newest = AuditEntry.objects.using(db).order_by("-seq").values("seq", "hash").first()
    return (newest["seq"], newest["hash"]) if newest else None


def take(using: str | None = None, *, path: Path | None = None) -> dict | None:
    """Sign the newest entry of the chain and append it to the checkpoint file.

    Returns the line written, or ``None`` when the log is empty. The file is locked
    while the head is read and the line written, so lines stay in chain order when
    several processes checkpoint at once.
    """
    db = using or router.db_for_read(AuditEntry)
    target = path or checkpoints_path()
    key = signing_key()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        head = _head(db)
        if head is None:
            return None
        record = {
            "seq": head[0],
            "hash": head[1],
            "at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "key_id": key_id(key.public_key()),
        }
        record["signature"] = base64.b64encode(key.sign(_message(record))).decode("ascii")
        fh.write(json.dumps(record, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return record


def read(path: Path | None = None, public: Ed25519PublicKey | None = None) -> list[Checkpoint]:
    """Every checkpoint of the file, each signature checked with ``public`` (default: ours).

    A line that is not a checkpoint, is signed by another key or whose signature does
    not match raises :class:`CheckpointError` naming the line. A missing file has none.
    """
    target = path or checkpoints_path()
    try:
        text = target.read_text("utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"cannot read {target}: {exc}") from None
    public = public or signing_key().public_key()
    ours = key_id(public)
    found: list[Checkpoint] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        where = f"{target}:{number}"
        try:
            record = json.loads(raw)
            seq, head, at, kid = (record[n] for n in SIGNED_FIELDS)
            signature = base64.b64decode(record["signature"], validate=True)
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise CheckpointError(f"{where}: not a checkpoint line") from None
        if not isinstance(seq, int) or not isinstance(head, str) or not isinstance(at, str):
            raise CheckpointError(f"{where}: not a checkpoint line")
        if kid != ours:
            raise CheckpointError(
                f"{where}: checkpoint of {at} is signed by key {kid}, not this server's key {ours}"
            )
        try:
            public.verify(signature, _message(record))
        except InvalidSignature:
            raise CheckpointError(
                f"{where}: checkpoint of {at} (entry #{seq}) has a signature that does not "
                "match: the line was changed"
            ) from None
        found.append(Checkpoint(number, seq, head, at, kid))
    return found


@dataclass(frozen=True)
class CheckpointVerification:
    """The log checked against the checkpoints: how many matched, or the first that did not."""

    checked: int
    newest: Checkpoint | None = None
    failed: Checkpoint | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def verify(using: str | None = None, *, path: Path | None = None) -> CheckpointVerification:
    """Check that the log still holds, with the same hash, every entry a checkpoint signed."""
    db = using or router.db_for_read(AuditEntry)
    try:
        checkpoints = read(path)
    except CheckpointError as exc:
        return CheckpointVerification(0, problem=str(exc))
    head = _head(db)
    last = head[0] if head else 0
    wanted = {cp.seq for cp in checkpoints}
    hashes = dict(AuditEntry.objects.using(db).filter(seq__in=wanted).values_list("seq", "hash"))
    previous: Checkpoint | None = None
    for cp in checkpoints:
        if previous is not None and cp.seq < previous.seq:
            return CheckpointVerification(
                0,
                failed=cp,
                problem=f"{cp.describe()} is older than the line before it (entry "
                f"#{previous.seq}): the checkpoint file was reordered",
            )
        if cp.seq > last:
            return CheckpointVerification(
                0,
                failed=cp,
                problem=f"the log is shorter than the {cp.describe()}: it ends at entry #{last}",
            )
        if hashes.get(cp.seq) != cp.hash:
            return CheckpointVerification(
                0,
                failed=cp,
                problem=f"entry #{cp.seq} differs from the {cp.describe()}: "
                "its hash is not the one signed",
            )
        previous = cp
    return CheckpointVerification(len(checkpoints), newest=checkpoints[-1] if checkpoints else None)


#: When this process last took (or found) a checkpoint, to skip the file check per write.
_last_seen = 0.0


def maybe_take(using: str | None = None) -> dict | None:
    """Take a checkpoint when the newest one is older than the interval (the server's timer)."""
    global _last_seen
    minutes = interval_minutes()
    if minutes <= 0:
        return None
    now = time.time()
    if now - _last_seen < minutes * 60:
        return None
    target = checkpoints_path()
    try:
        newest = target.stat().st_mtime
    except FileNotFoundError:
        newest = 0.0
    if now - newest < minutes * 60:
        _last_seen = newest
        return None
    _last_seen = now
    return take(using, path=target)


def _after_audited_write(sender, instance, created, using, **kwargs) -> None:
    if not created:
        return

    def _checkpoint() -> None:
        try:
            maybe_take(using)
        except (CheckpointError, OSError) as exc:
            # A checkpoint that cannot be written must not fail the user's request;
            # it is logged for the operators, and `netsafe audit checkpoint` can be run.
            import logging

            logging.getLogger(__name__).error("audit checkpoint not taken: %s", exc)

    # After the commit only: a checkpoint of an entry later rolled back would make
    # every later verification fail.
    transaction.on_commit(_checkpoint, using=using)


def connect() -> None:
    """Take periodic checkpoints after audited writes (called from ``AuditConfig.ready``)."""
    post_save.connect(_after_audited_write, sender=AuditEntry, dispatch_uid="audit-checkpoint")
