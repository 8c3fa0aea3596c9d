"""One read pass: the three digests and the type of a file, whatever sizes its reads return."""

from __future__ import annotations

import hashlib
import io
import tarfile

from netsafe.triage.hashing import BLOCK, HEAD_BYTES, digest_stream


class ShortReads(io.RawIOBase):
    """A stream that returns at most ``step`` bytes a read, as a decompressing stream may."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._at, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data[self._at : self._at + min(self._step, len(buffer))]
        buffer[: len(chunk)] = chunk
        self._at += len(chunk)
        return len(chunk)


def _tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        payload = bytes(range(256)) * (3 * BLOCK // 256 + 7)  # several blocks, one partial
        info = tarfile.TarInfo("notes/list.bin")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    return out.getvalue()


def test_short_reads_give_the_same_digests_and_type_as_whole_reads():
    data = _tar()
    whole = digest_stream(io.BytesIO(data))
    assert whole.type == "application/x-tar"
    # The TAR signature is at byte 257: a first read of 100 bytes must not be all that
    # the type is told from.
    short = digest_stream(ShortReads(data, 100))
    assert short.type == whole.type
    assert short.head == whole.head == data[:HEAD_BYTES]
    assert (short.md5, short.sha1, short.sha256, short.size) == (
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
        len(data),
    )


def test_a_read_error_keeps_the_digests_of_what_was_read():
    data = b"x" * (BLOCK + 1000)

    class Failing(ShortReads):
        def readinto(self, buffer) -> int:
            if self._at >= BLOCK + 500:
                raise OSError(5, "Input/output error")
            return super().readinto(buffer)

    got = digest_stream(Failing(data, 500))
    assert got.error == "read error: Input/output error"
    assert got.size == BLOCK + 500
    assert got.md5 == hashlib.md5(data[: BLOCK + 500]).hexdigest()
