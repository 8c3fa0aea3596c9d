"""Expert Witness (E01, split E01..En) images through libewf-python, read by TSK."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import os
from pathlib import Path

import pyewf
import pytsk3

from netsafe.triage.source import METADATA_FIELDS, EvidenceError, Integrity
from netsafe.triage.sources.disk import DiskEvidence

#: The first bytes of every EWF (E01) segment file.
EWF_SIGNATURE = b"EVF\x09\x0d\x0a\xff\x00"
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

    @classmethod
    def detect(cls, path: Path, head: bytes) -> bool:
        """An EWF segment file, by its signature."""
        return head.startswith(EWF_SIGNATURE)

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

    def _stored_hash(self, name: str) -> str | None:
        try:
            value = self._handle.get_hash_value(name)
        except (OSError, KeyError):
            return None
        return value.lower() if value else None

    def stored_md5(self) -> str | None:
        """The MD5 the acquisition tool stored in the image, lower-case, or None."""
        return self._stored_hash("MD5")

    def stored_sha1(self) -> str | None:
        """The SHA-1 the acquisition tool stored in the image, lower-case, or None."""
        return self._stored_hash("SHA1")

    def metadata(self) -> dict[str, str | None]:
        """The case metadata the acquisition tool stored (the contract's names), as stored."""
        try:
            values = self._handle.get_header_values()
        except (OSError, ValueError):
            values = {}
        out: dict[str, str | None] = dict.fromkeys(METADATA_FIELDS)
        for key, names in METADATA_KEYS.items():
            found = next((values[n] for n in names if values.get(n)), None)
            out[key] = found
        return out

    def has_stored_hash(self) -> bool:
        # Every E01 is checked: its chunks carry checksums even where no media hash is stored.
        return True

    def verify(self) -> Integrity:
        """Read the whole media once: MD5 and SHA-1 computed, each chunk's checksum checked
        (through libewf, as ``ewfverify`` does), and both compared with what is stored."""
        stored_md5, stored_sha1 = self.stored_md5(), self.stored_sha1()
        integrity = Integrity(
            stored_md5, None, None, stored_sha1=stored_sha1, metadata=self.metadata()
        )
        try:
            computed_md5, computed_sha1, bad = checked_media(self.segments)
        except ChunkCheckUnavailable as exc:
            integrity.verified = False
            integrity.error = f"chunk checksums not checked: {exc}"
            try:
                computed_md5, computed_sha1 = self._hash_media()
            except (OSError, RuntimeError) as read_exc:
                integrity.error += f"; media unreadable: {_ewf_message(read_exc)}"
                return integrity
            integrity.computed_md5, integrity.computed_sha1 = computed_md5, computed_sha1
            return integrity
        except OSError as exc:
            integrity.verified = False
            integrity.error = f"media unreadable: {exc}"
            return integrity
        integrity.computed_md5, integrity.computed_sha1 = computed_md5, computed_sha1
        integrity.bad_ranges = bad
        reasons = []
        if bad:
            reasons.append(
                f"{len(bad)} chunk(s) failed their checksum at "
                + ", ".join(f"bytes {a}-{b}" for a, b in bad[:5])
                + (" ..." if len(bad) > 5 else "")
            )
        for name, stored, computed in (
            ("MD5", stored_md5, computed_md5),
            ("SHA-1", stored_sha1, computed_sha1),
        ):
            if stored is not None and stored != computed:
                reasons.append(f"stored {name} {stored} differs from the computed {computed}")
        integrity.error = "; ".join(reasons) or None
        if stored_md5 is None and stored_sha1 is None:
            # Nothing stored to verify against: null, as for evidence without a hash,
            # unless a chunk already failed.
            integrity.verified = False if bad else None
        else:
            integrity.verified = not reasons
        return integrity

    def _hash_media(self) -> tuple[str, str]:
        md5, sha1 = hashlib.md5(), hashlib.sha1()
        size = self._handle.get_media_size()
        offset = 0
        while offset < size:
            data = self._handle.read_buffer_at_offset(min(_VERIFY_BLOCK, size - offset), offset)
            if not data:
                raise OSError(f"no data at offset {offset}")
            md5.update(data)
            sha1.update(data)
            offset += len(data)
        return md5.hexdigest(), sha1.hexdigest()

    def close(self) -> None:
        self._handle.close()


#: The contract's metadata names and the libewf header values they are read from, in order.
METADATA_KEYS = {
    "case_number": ("case_number",),
    "evidence_number": ("evidence_number",),
    "examiner": ("examiner_name",),
    "description": ("description",),
    "notes": ("notes",),
    "acquired": ("acquiry_date",),
    "acquiry_software": ("acquiry_software", "acquiry_software_version"),
}


class ChunkCheckUnavailable(Exception):
    """libewf's C library (which reports chunk checksum failures) cannot be used here."""


def checked_media(segments: list[Path]) -> tuple[str, str, list[tuple[int, int]]]:
    """MD5 and SHA-1 of an EWF image's media, and the ``[first byte, end byte)`` ranges of
    the chunks whose checksum failed.

    The Python binding (pyewf) reads a damaged chunk back as zeros and does not say so;
    libewf's C library counts such chunks while it reads (``ewfverify`` asks it the same
    way), so the media is read through it here. Raises :class:`ChunkCheckUnavailable`
    when that library is missing or cannot open the image, :class:`OSError` when the
    media cannot be read.
    """
    lib = _libewf()
    handle = ctypes.c_void_p()
    error = ctypes.c_void_p()
    if lib.libewf_handle_initialize(ctypes.byref(handle), ctypes.byref(error)) != 1:
        raise ChunkCheckUnavailable(_lib_error(lib, error))
    try:
        names = (ctypes.c_char_p * len(segments))(*(os.fsencode(s) for s in segments))
        flags = lib.libewf_get_access_flags_read()
        if lib.libewf_handle_open(handle, names, len(segments), flags, ctypes.byref(error)) != 1:
            raise ChunkCheckUnavailable(f"libewf cannot open it: {_lib_error(lib, error)}")
        try:
            return _read_checked(lib, handle)
        finally:
            lib.libewf_handle_close(handle, None)
    finally:
        lib.libewf_handle_free(ctypes.byref(handle), None)


def _read_checked(lib, handle) -> tuple[str, str, list[tuple[int, int]]]:
    error = ctypes.c_void_p()
    size, per_sector = ctypes.c_uint64(), ctypes.c_uint32()
    if (
        lib.libewf_handle_get_media_size(handle, ctypes.byref(size), ctypes.byref(error)) != 1
        or lib.libewf_handle_get_bytes_per_sector(
            handle, ctypes.byref(per_sector), ctypes.byref(error)
        )
        != 1
    ):
        raise OSError(_lib_error(lib, error))
    md5, sha1 = hashlib.md5(), hashlib.sha1()
    buffer = ctypes.create_string_buffer(_VERIFY_BLOCK)
    offset = 0
    while offset < size.value:
        want = min(_VERIFY_BLOCK, size.value - offset)
        got = lib.libewf_handle_read_buffer(handle, buffer, want, ctypes.byref(error))
        if got <= 0:
            raise OSError(f"no data at offset {offset}: {_lib_error(lib, error)}")
        view = memoryview(buffer)[:got]
        md5.update(view)
        sha1.update(view)
        offset += got
    count = ctypes.c_uint32()
    if (
        lib.libewf_handle_get_number_of_checksum_errors(
            handle, ctypes.byref(count), ctypes.byref(error)
        )
        != 1
    ):
        raise OSError(_lib_error(lib, error))
    bad = []
    for index in range(count.value):
        first, number = ctypes.c_uint64(), ctypes.c_uint64()
        if (
            lib.libewf_handle_get_checksum_error(
                handle, index, ctypes.byref(first), ctypes.byref(number), ctypes.byref(error)
            )
            != 1
        ):
            raise OSError(_lib_error(lib, error))
        start = first.value * per_sector.value
        bad.append((start, min(size.value, start + number.value * per_sector.value)))
    return md5.hexdigest(), sha1.hexdigest(), merge_ranges(bad)


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[start, end)`` ranges sorted, with touching or overlapping ones joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


@functools.cache
def _libewf():
    name = ctypes.util.find_library("ewf") or "libewf.so.2"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise ChunkCheckUnavailable(f"libewf's C library is missing ({exc})") from None
    lib.libewf_handle_initialize.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.libewf_handle_open.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_void_p,
    ]
    lib.libewf_handle_read_buffer.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_void_p,
    ]
    lib.libewf_handle_read_buffer.restype = ctypes.c_ssize_t
    for fn in (
        lib.libewf_handle_get_media_size,
        lib.libewf_handle_get_bytes_per_sector,
        lib.libewf_handle_get_number_of_checksum_errors,
    ):
        fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.libewf_handle_get_checksum_error.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.libewf_handle_close.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.libewf_handle_free.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.libewf_error_sprint.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.libewf_error_free.argtypes = [ctypes.c_void_p]
    return lib


def _lib_error(lib, error: ctypes.c_void_p) -> str:
    """libewf's error text (its last, most general step), and the error freed."""
    if not error.value:
        return "unknown libewf error"
    text = ctypes.create_string_buffer(4096)
    lib.libewf_error_sprint(error, text, len(text))
    lib.libewf_error_free(ctypes.byref(error))
    lines = [x.strip() for x in text.value.decode("utf-8", "replace").splitlines() if x.strip()]
    return lines[-1] if lines else "unknown libewf error"


def _ewf_message(exc: BaseException) -> str:
    """libewf's error chain on one line: its first, most specific, step."""
    parts = [p.strip(" '") for p in str(exc).replace("\n", " ").split(". ") if p.strip(" '")]
    for part in parts:
        if "missing segment" in part or "unable to open" in part:
            return part.split(": ", 1)[-1]
    return parts[-1].split(": ", 1)[-1] if parts else type(exc).__name__
