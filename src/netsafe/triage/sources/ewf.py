"""Expert Witness (E01, split E01..En) images through libewf-python, read by TSK."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyewf
import pytsk3

from netsafe.triage.sources import EvidenceError, Integrity
from netsafe.triage.sources.disk import DiskEvidence

_VERIFY_BLOCK = 4 << 20


class EwfImage(pytsk3.Img_Info):
    """A TSK image whose reads go to a libewf handle (the documented pytsk3 pattern)."""

    def __init__(self, handle: pyewf.handle) -> None:
        self._handle = handle
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def close(self) -> None:
        self._handle.close()

    def read(self, offset: int, size: int) -> bytes:
        return self._handle.read_buffer_at_offset(size, offset)

    def get_size(self) -> int:
        return self._handle.get_media_size()


class EwfEvidence(DiskEvidence):
    """An E01 image with its ``.E02...`` segments found beside it."""

    kind = "ewf"

    def _open_image(self) -> pytsk3.Img_Info:
        try:
            segments = pyewf.glob(str(self.path))
            self._handle = pyewf.handle()
            self._handle.open(segments, "r")
        except (OSError, ValueError, TypeError) as exc:
            raise EvidenceError(f"cannot open E01 image {self.path}: {_ewf_message(exc)}") from None
        self.segments = [Path(s) for s in segments]
        # A truncated image or a missing segment opens but cannot be read: try the
        # first and last sectors so that such an image is refused at once.
        size = self._handle.get_media_size()
        for offset in (0, max(0, size - 512)):
            try:
                if size and not self._handle.read_buffer_at_offset(min(512, size), offset):
                    raise OSError(f"no data at offset {offset}")
            except (OSError, RuntimeError) as exc:
                raise EvidenceError(
                    f"E01 image {self.path} is incomplete (truncated or a segment is missing): "
                    f"{_ewf_message(exc)}"
                ) from None
        return EwfImage(self._handle)

    def stored_md5(self) -> str | None:
        """The MD5 the acquisition tool stored in the image, lower-case, or None."""
        try:
            value = self._handle.get_hash_value("MD5")
        except (OSError, KeyError):
            return None
        return value.lower() if value else None

    def has_stored_hash(self) -> bool:
        return self.stored_md5() is not None

    def verify(self) -> Integrity:
        stored = self.stored_md5()
        if stored is None:
            return Integrity()
        md5 = hashlib.md5()
        size = self._handle.get_media_size()
        offset = 0
        try:
            while offset < size:
                data = self._handle.read_buffer_at_offset(min(_VERIFY_BLOCK, size - offset), offset)
                if not data:
                    raise OSError(f"no data at offset {offset}")
                md5.update(data)
                offset += len(data)
        except (OSError, RuntimeError) as exc:
            return Integrity(stored, None, False, f"media unreadable: {_ewf_message(exc)}")
        computed = md5.hexdigest()
        return Integrity(stored, computed, computed == stored)

    def close(self) -> None:
        self._handle.close()


def _ewf_message(exc: BaseException) -> str:
    """libewf's error chain on one line: its first, most specific, step."""
    parts = [p.strip(" '") for p in str(exc).replace("\n", " ").split(". ") if p.strip(" '")]
    for part in parts:
        if "missing segment" in part or "unable to open" in part:
            return part.split(": ", 1)[-1]
    return parts[-1].split(": ", 1)[-1] if parts else type(exc).__name__
