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


def _samples() -> dict[str, bytes]:
    """Generated content of many kinds, edge cases included (as a file's first bytes)."""
    import gzip
    import json
    import random
    import zipfile

    from PIL import Image

    def image(fmt: str) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (40, 30), (200, 120, 40)).save(out, fmt)
        return out.getvalue()

    def zipped(names: list[str]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for name in names:
                zf.writestr(name, "<xml/>" * 50)
        return out.getvalue()

    rng = random.Random(15)
    words = " ".join(rng.choice(["report", "garden", "invoice", "notes"]) for _ in range(400))
    iso = bytearray(40000)
    iso[32769:32774] = b"CD001"
    return {
        "one byte": b"a",
        "one NUL": b"\x00",
        "one high byte": b"\xff",
        "plain text": words.encode(),
        "text with NULs": (words[:300] + "\x00\x00" + words[300:]).encode(),
        "UTF-8 with BOM": "\ufeffcaf\u00e9 ".encode() * 200,
        "UTF-16": ("Bore da " * 200).encode("utf-16"),
        "JSON": json.dumps({"a": list(range(300)), "b": "x"}).encode(),
        "HTML": b"<!DOCTYPE html><html><head><title>t</title></head><body>" + b"p" * 900,
        "CSV": b"id,name,size\n" + b"".join(b"%d,file%d,%d\n" % (i, i, i * 7) for i in range(80)),
        "shell script": b"#!/bin/sh\necho hello\n" * 40,
        "Python script": b"#!/usr/bin/env python3\nimport os\nprint(os.name)\n" * 30,
        "XML": b'<?xml version="1.0"?>\n<root>' + b"<a>1</a>" * 200 + b"</root>",
        "RTF": b"{\\rtf1\\ansi " + b"word " * 300 + b"}",
        "PDF": b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 900,
        "JPEG": image("JPEG"),
        "PNG": image("PNG"),
        "GIF": image("GIF"),
        "ZIP": zipped(["a.txt", "b.txt"]),
        "Word document": zipped(["[Content_Types].xml", "word/document.xml"]),
        "gzip": gzip.compress(words.encode()),
        "TAR": _tar()[:HEAD_BYTES],
        "ISO 9660 (signature at 32 KiB)": bytes(iso),
        "zeros": bytes(70000),
        "random, short": rng.randbytes(300),
        "random, long": rng.randbytes(HEAD_BYTES),
    }


def _fresh_libmagic(head: bytes) -> str:
    """libmagic's own answer, by the same rule (the first bytes, then more when vague)."""
    import magic

    from netsafe.triage.hashing import _VAGUE, MAGIC_BYTES, MAGIC_FIRST

    m = magic.Magic(mime=True)
    kind = m.from_buffer(head[:MAGIC_FIRST])
    if kind in _VAGUE and len(head) > MAGIC_FIRST:
        kind = m.from_buffer(head[:MAGIC_BYTES])
    return kind


def test_every_kind_of_content_gets_libmagics_own_answer_typed_once_or_again(monkeypatch):
    from netsafe.triage import hashing

    monkeypatch.setattr(hashing, "_type_cache", {})
    samples = _samples()
    expected = {name: _fresh_libmagic(data) for name, data in samples.items()}
    assert expected["JPEG"] == "image/jpeg"
    assert expected["ISO 9660 (signature at 32 KiB)"] == "application/x-iso9660-image"
    for _round in ("first seen", "seen before"):
        got = {name: hashing.file_type(data) for name, data in samples.items()}
        assert got == expected, _round
    assert hashing.file_type(b"") == "application/x-empty"


def test_files_that_start_alike_are_given_to_libmagic_once(monkeypatch):
    from netsafe.triage import hashing

    calls: list[int] = []
    real = hashing._libmagic

    def counted(data: bytes) -> str:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(hashing, "_type_cache", {})
    monkeypatch.setattr(hashing, "_libmagic", counted)
    licence = b"# Copyright the authors. Licensed under the Apache License 2.0.\n" * 10
    files = [licence + f"print({i})\n".encode() * 50 for i in range(40)]
    kinds = {hashing.file_type(data) for data in files}
    assert kinds == {_fresh_libmagic(files[0])}
    assert len(calls) == 1


def test_files_that_share_a_vague_start_are_each_typed_by_their_own_bytes(monkeypatch):
    from netsafe.triage import hashing

    monkeypatch.setattr(hashing, "_type_cache", {})
    plain = bytes(40000)
    iso = bytearray(plain)
    iso[32769:32774] = b"CD001"
    assert hashing.file_type(plain) == "application/octet-stream"
    assert hashing.file_type(bytes(iso)) == "application/x-iso9660-image"
    assert hashing.file_type(plain) == "application/octet-stream"


def test_the_type_cache_stays_within_its_size(monkeypatch):
    from netsafe.triage import hashing

    monkeypatch.setattr(hashing, "_type_cache", {})
    monkeypatch.setattr(hashing, "TYPE_CACHE_SIZE", 8)
    for i in range(30):
        assert hashing.file_type(f"note {i}\n".encode() * 3) == "text/plain"
    assert len(hashing._type_cache) == 8


def test_threads_typing_side_by_side_get_libmagics_answers(monkeypatch):
    """A Dask worker runs units in threads: the shared cache must hold up to them."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from netsafe.triage import hashing

    monkeypatch.setattr(hashing, "_type_cache", {})
    monkeypatch.setattr(hashing, "TYPE_CACHE_SIZE", 4)
    heads = [f"line {i}\n".encode() * 4 for i in range(400)] + [b"\x89PNG\r\n\x1a\n" + bytes(60)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(8) as pool:
            kinds = list(pool.map(hashing.file_type, heads * 4))
    finally:
        sys.setswitchinterval(switch)
    assert set(kinds[:400]) == {"text/plain"}
    assert kinds[400] == _fresh_libmagic(heads[400])
    assert len(hashing._type_cache) <= 4
