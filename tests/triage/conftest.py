"""Evidence built in code: folders, FAT/ext4/MBR images, E01s, archives, benign images.

Nothing here is committed as a binary; every item is made from Pillow images
and the Debian tools (mtools, dosfstools, e2fsprogs, exfatprogs, ewf-tools, ntfs-3g).
"""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
import struct
import subprocess
import tarfile
import uuid
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.triage.exfat import ExFat

from netsafe.triage.records import read_files

TOOLS_PATH = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"


def tool(name: str) -> str:
    """The path of a Debian tool the evidence builders need (the test fails clearly if missing)."""
    found = shutil.which(name, path=TOOLS_PATH)
    if not found:
        pytest.fail(f"{name} is missing: run `make system-deps`")
    return found


def run(*args: str | Path) -> None:
    """Run a tool quietly; its output is shown only when it fails."""
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1", "PATH": TOOLS_PATH}
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env)
    if proc.returncode:
        raise AssertionError(f"{args[0]} failed: {proc.stdout}{proc.stderr}")


def photo(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A benign synthetic photo: smooth random colour fields (high PDQ quality)."""
    rng = np.random.default_rng(seed)
    small = (rng.random((6, 8, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(small, "RGB").resize(size, Image.Resampling.BICUBIC)
    noise = (rng.normal(0, 6, (size[1], size[0], 3))).astype(np.int16)
    arr = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def jpeg_bytes(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


#: The content every file-system image and archive carries, path -> bytes (built once).
def _standard_files() -> dict[str, bytes]:
    files = {
        "DCIM/img_0001.jpg": jpeg_bytes(photo(1)),
        "DCIM/img_0002.jpg": jpeg_bytes(photo(2)),
        "DCIM/img_0003.png": b"",
        "notes/readme.txt": b"shopping list\n",
        "notes/renamed.txt": jpeg_bytes(photo(3)),
        "empty.dat": b"",
    }
    buf = io.BytesIO()
    photo(4, (200, 150)).save(buf, "PNG")
    files["DCIM/img_0003.png"] = buf.getvalue()
    return files


STANDARD_FILES = _standard_files()


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


@pytest.fixture(scope="session")
def standard_files() -> dict[str, bytes]:
    """Path -> content of the files every kind of evidence below holds."""
    return dict(STANDARD_FILES)


@pytest.fixture(scope="session")
def standard_folder(tmp_path_factory) -> Path:
    """A folder holding the standard files."""
    return write_tree(tmp_path_factory.mktemp("folder") / "ev", STANDARD_FILES)


def make_fat(path: Path, files: dict[str, bytes], deleted: dict[str, bytes] | None = None) -> Path:
    """A FAT image (mkfs.vfat + mcopy) with ``deleted`` files copied in then removed (mdel)."""
    run(tool("mkfs.vfat"), "-C", path, "8192")
    staging = path.parent / (path.name + ".src")
    all_files = {**files, **(deleted or {})}
    write_tree(staging, all_files)
    dirs = {str(p) for rel in all_files for p in Path(rel).parents if str(p) != "."}
    for d in sorted(dirs, key=lambda d: d.count("/")):
        run(tool("mmd"), "-i", path, f"::/{d}")
    for rel in all_files:
        run(tool("mcopy"), "-i", path, staging / rel, f"::/{rel}")
    for rel in deleted or {}:
        run(tool("mdel"), "-i", path, f"::/{rel}")
    shutil.rmtree(staging)
    return path


DELETED_FILES = {"DCIM/deleted_photo_0009.jpg": jpeg_bytes(photo(9))}


@pytest.fixture(scope="session")
def fat_image(tmp_path_factory) -> Path:
    """A bare FAT image with the standard files and one deleted photo."""
    return make_fat(tmp_path_factory.mktemp("fat") / "fat.img", STANDARD_FILES, DELETED_FILES)


def make_ext4(path: Path, source: Path, size: str = "16M") -> Path:
    """An ext4 image filled from a folder (``mke2fs -d``)."""
    run(tool("mke2fs"), "-q", "-t", "ext4", "-d", source, "-F", path, size)
    return path


@pytest.fixture(scope="session")
def ext4_image(tmp_path_factory, standard_folder) -> Path:
    """A bare ext4 image with the standard files."""
    return make_ext4(tmp_path_factory.mktemp("ext4") / "ext4.img", standard_folder)


def mbr_disk(path: Path, partitions: list[tuple[int, bytes]]) -> Path:
    """A disk image with an MBR partition table: ``partitions`` are (type byte, content)."""
    sector = 512
    start = 2048
    table = b""
    layout = []
    for ptype, content in partitions:
        count = -(-len(content) // sector)
        table += struct.pack("<B3sB3sII", 0, b"\0\0\0", ptype, b"\0\0\0", start, count)
        layout.append((start, content))
        start += count + 2048
    mbr = bytearray(sector)
    mbr[446 : 446 + len(table)] = table
    mbr[510:512] = b"\x55\xaa"
    with open(path, "wb") as fh:
        fh.write(mbr)
        for lba, content in layout:
            fh.seek(lba * sector)
            fh.write(content)
        fh.truncate(start * sector)
    return path


@pytest.fixture(scope="session")
def mbr_image(tmp_path_factory, fat_image) -> Path:
    """A disk with an MBR: p1 FAT (the standard files), p2 random bytes (no file system)."""
    junk = np.random.default_rng(7).bytes(1 << 20)
    return mbr_disk(
        tmp_path_factory.mktemp("mbr") / "disk.dd", [(0x0C, fat_image.read_bytes()), (0x07, junk)]
    )


@pytest.fixture(scope="session")
def split_raw(tmp_path_factory, mbr_image) -> Path:
    """The MBR disk cut into three parts (``disk.001`` to ``disk.003``) at sizes that are not
    whole sectors, as some acquisition tools write it; the path of the first part."""
    data = mbr_image.read_bytes()
    folder = tmp_path_factory.mktemp("split")
    cuts = [0, 1_500_001, 3_000_003, len(data)]
    for number, (start, end) in enumerate(itertools.pairwise(cuts), 1):
        (folder / f"disk.{number:03d}").write_bytes(data[start:end])
    return folder / "disk.001"


def make_exfat(path: Path, files: dict[str, bytes], deleted: dict[str, bytes]) -> Path:
    """An exFAT image (mkfs.exfat) with ``files``, and ``deleted`` written then deleted."""
    with open(path, "wb") as fh:
        fh.truncate(16 << 20)
    run(tool("mkfs.exfat"), path)
    volume = ExFat(path)
    for rel, data in files.items():
        volume.add(rel, data)
    for rel, data in deleted.items():
        volume.add(rel, data, deleted=True)
    volume.save()
    return path


@pytest.fixture(scope="session")
def exfat_image(tmp_path_factory) -> Path:
    """A bare exFAT image (as on a camera's SD card) with the standard files and one
    deleted photo."""
    return make_exfat(tmp_path_factory.mktemp("exfat") / "exfat.img", STANDARD_FILES, DELETED_FILES)


def flat_name(rel: str) -> str:
    """A standard file's name at the top of a volume (``DCIM/img_0001.jpg`` ->
    ``DCIM_img_0001.jpg``), for images whose tools cannot make folders."""
    return rel.replace("/", "_")


@pytest.fixture(scope="session")
def ntfs_image(tmp_path_factory) -> Path:
    """A bare NTFS image (mkntfs) with the standard files copied in by ntfscp, which
    writes into an unmounted volume but only to folders that exist: so at the top."""
    folder = tmp_path_factory.mktemp("ntfs")
    image = folder / "ntfs.img"
    with open(image, "wb") as fh:
        fh.truncate(16 << 20)
    run(tool("mkntfs"), "-q", "-F", "-f", "-s", "512", image)
    staging = write_tree(folder / "src", STANDARD_FILES)
    for rel in STANDARD_FILES:
        run(tool("ntfscp"), "-q", image, staging / rel, flat_name(rel))
    return image


def gpt_disk(path: Path, content: bytes) -> Path:
    """A disk image with a GUID partition table holding one basic-data partition."""
    sector, first = 512, 2048
    count = -(-len(content) // sector)
    last_lba = first + count + 2048
    basic_data = uuid.UUID("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7").bytes_le
    entry = struct.pack(
        "<16s16sQQQ72s",
        basic_data,
        uuid.UUID(int=1).bytes_le,
        first,
        first + count - 1,
        0,
        "evidence".encode("utf-16-le"),
    )
    entries = entry + bytes(128 * 127)

    def header(current: int, backup: int, table: int) -> bytes:
        fields = [b"EFI PART", 0x00010000, 92, 0, 0, current, backup, 34, last_lba - 34]
        fields += [uuid.UUID(int=2).bytes_le, table, 128, 128, zlib.crc32(entries)]
        raw = struct.pack("<8sIIIIQQQQ16sQIII", *fields)
        raw = raw[:16] + struct.pack("<I", zlib.crc32(raw)) + raw[20:]
        return raw + bytes(sector - len(raw))

    mbr = bytearray(sector)
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0xEE, b"\0\0\0", 1, last_lba)
    mbr[510:512] = b"\x55\xaa"
    with open(path, "wb") as fh:
        fh.write(mbr + header(1, last_lba, 2) + entries)
        fh.seek(first * sector)
        fh.write(content)
        fh.seek((last_lba - 33) * sector)
        fh.write(entries + header(last_lba, 1, last_lba - 33))
    return path


@pytest.fixture(scope="session")
def gpt_image(tmp_path_factory, ext4_image) -> Path:
    """A disk with a GPT: p1 the ext4 file system with the standard files."""
    return gpt_disk(tmp_path_factory.mktemp("gpt") / "disk.img", ext4_image.read_bytes())


def ewfacquire(source: Path, target: Path, segment: str | None = None) -> Path:
    """An E01 made with ewfacquire (unattended); ``segment`` splits it (e.g. ``1MiB``)."""
    args = [tool("ewfacquire"), "-u", "-q", "-t", target, "-C", "case-1", "-E", "exhibit-1"]
    if segment:
        args += ["-S", segment]
    run(*args, source)
    return target.with_suffix(".E01")


@pytest.fixture(scope="session")
def e01_image(tmp_path_factory, ext4_image) -> Path:
    """An E01 of the ext4 image."""
    return ewfacquire(ext4_image, tmp_path_factory.mktemp("e01") / "image")


@pytest.fixture(scope="session")
def split_e01(tmp_path_factory, ext4_image) -> Path:
    """An E01 of the ext4 image split into 1 MiB segments (E01..E17)."""
    return ewfacquire(ext4_image, tmp_path_factory.mktemp("e01split") / "image", "1MiB")


@pytest.fixture(scope="session")
def standard_zip(tmp_path_factory) -> Path:
    """A ZIP of the standard files."""
    path = tmp_path_factory.mktemp("zip") / "ev.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in STANDARD_FILES.items():
            zf.writestr(rel, data)
    return path


@pytest.fixture(scope="session")
def standard_tar(tmp_path_factory) -> Path:
    """A gzip-compressed TAR of the standard files."""
    path = tmp_path_factory.mktemp("tar") / "ev.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for rel, data in STANDARD_FILES.items():
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture(scope="session")
def messy_folder(tmp_path_factory) -> Path:
    """A folder with what goes wrong in practice: nested archives, a bomb, corrupt images,
    a name that is not UTF-8, a link loop, indicators."""
    root = tmp_path_factory.mktemp("messy") / "ev"
    inner_tar = tar_bytes({"deep/photo.jpg": jpeg_bytes(photo(11))})
    files = {
        "DCIM/good.jpg": jpeg_bytes(photo(10)),
        "DCIM/truncated.jpg": jpeg_bytes(photo(12))[:4000],
        "DCIM/corrupt.jpg": b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50,
        "archives/nested.zip": zip_bytes({"a/inner.tar": inner_tar, "a/note.txt": b"hello\n"}),
        "archives/bomb.zip": zip_bytes({"zeros.bin": b"\0" * (40 << 20), "ok.txt": b"fine\n"}),
        "archives/broken.zip": zip_bytes({"x.txt": b"x" * 1000})[:60],
        "Program Files/Tor Browser/Browser/firefox.exe": b"MZ" + b"\0" * 64,
        "Users/bob/Downloads/film.torrent": b"d8:announce3:urle",
        "Users/bob/Dropbox/cv.txt": b"curriculum\n",
    }
    write_tree(root, files)
    (root / os.fsdecode(b"caf\xe9.jpg")).write_bytes(jpeg_bytes(photo(13)))
    os.symlink("..", root / "DCIM" / "loop")
    return root


@pytest.fixture(autouse=True)
def index_cache(tmp_path_factory, monkeypatch):
    """Hash-set PDQ indexes cached in a folder of the test session, never the user's cache."""
    folder = tmp_path_factory.getbasetemp() / "index-cache"
    monkeypatch.setenv("NETSAFE_INDEX_CACHE", str(folder))
    return folder


def file_rows(out: Path) -> list[dict]:
    """The rows of a scan's files.jsonl as written, read through the one reader
    (:func:`netsafe.triage.records.read_files`): every row must be a file record that
    writes back to the same object."""
    path = out / "files.jsonl"
    raw = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert [r.as_dict() for r in read_files(path)] == raw
    return raw
