"""Fidelity of the fast PDQ path against the reference (``pdqhash.compute`` on full RGB)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageDraw

from netsafe.triage.pdq import fast
from netsafe.triage.pdq.fast import DIHEDRAL_NAMES, PDQError, dihedral_hashes, hash_image


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def reference(image: Image.Image) -> tuple[str, int]:
    """The definition of correct: the C++ reference over the whole decoded RGB image."""
    bits, quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)


def reference_rows(root: Path) -> list[dict[str, str]]:
    with (root / "reference.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def photo_like(width: int, height: int, seed: int) -> Image.Image:
    """A benign synthetic picture: smooth colour fields at several scales and some discs."""
    rng = np.random.default_rng(seed)
    field = np.zeros((height, width, 3), np.float32)
    for cells, amplitude in ((4, 90.0), (16, 45.0), (48, 20.0)):
        small = rng.uniform(0, 255, (max(2, cells * height // width), cells, 3)).astype(np.uint8)
        layer = np.asarray(Image.fromarray(small).resize((width, height), Image.BICUBIC))
        field += (layer.astype(np.float32) - 127.5) / 127.5 * amplitude
    field += 128 + rng.normal(0, 4, field.shape).astype(np.float32)
    image = Image.fromarray(np.clip(field, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(max(2, height // 20), max(3, height // 5)))
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=tuple(int(c) for c in rng.integers(0, 255, 3))
        )
    return image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


# -- the shared reference set --------------------------------------------------


def test_reference_csv_small_images_identical_large_within_10_bits(pdq_testdata):
    checked = 0
    for row in reference_rows(pdq_testdata):
        result = hash_image(pdq_testdata / row["path"])
        width, height = (int(v) for v in row["size"].split("x"))
        where = f"{row['path']} ({row['size']})"
        if max(width, height) <= 512:
            assert result.hash == row["pdq"], where
            assert result.quality == int(row["quality"]), where
        elif int(row["quality"]) >= 80:
            assert distance(result.hash, row["pdq"]) <= 10, where
            assert abs(result.quality - int(row["quality"])) <= 5, where
        checked += 1
    assert checked == len(reference_rows(pdq_testdata)) > 40


def test_reference_csv_is_what_pdqhash_computes_without_exif(pdq_testdata):
    """Pins the convention: reference.csv is the stored pixels, no EXIF rotation applied."""
    row = reference_rows(pdq_testdata)[0]
    with Image.open(pdq_testdata / row["path"]) as image:
        assert reference(image)[0] == row["pdq"]


def test_low_quality_images_are_not_matchable(pdq_testdata):
    for name in ("q0003.jpg", "q0004.jpg"):
        result = hash_image(pdq_testdata / "reg-test-input" / "labelme-subset" / name)
        assert result.quality < fast.MIN_QUALITY
        assert not result.matchable
    assert hash_image(pdq_testdata / "bridge-mods" / "aaa-orig.jpg").matchable


def test_bridge_edits_stay_within_match_distance(pdq_testdata):
    original = hash_image(pdq_testdata / "bridge-mods" / "aaa-orig.jpg").hash
    for path in sorted((pdq_testdata / "bridge-mods").glob("*.jpg")):
        assert distance(hash_image(path).hash, original) <= 31, path.name


def test_dihedral_hashes_find_each_rotation_and_flip(pdq_testdata):
    folder = pdq_testdata / "reg-test-input" / "dih"
    files = sorted(folder.glob("bridge-*.jpg"))
    assert len(files) == len(DIHEDRAL_NAMES) == 8
    hashes, quality = dihedral_hashes(folder / "bridge-1-original.jpg")
    assert quality == 100
    assert hashes[0] == hash_image(folder / "bridge-1-original.jpg").hash
    on_disk = {path: hash_image(path).hash for path in files}
    for name, produced, path in zip(DIHEDRAL_NAMES, hashes, files, strict=True):
        others = [distance(produced, h) for p, h in on_disk.items() if p != path]
        assert distance(produced, on_disk[path]) <= 10, (name, path.name)
        assert min(others) > 31, name


# -- generated images -------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "fmt"),
    [((37, 53), "PNG"), ((300, 200), "JPEG"), ((512, 384), "PNG"), ((512, 512), "JPEG")],
)
def test_generated_small_images_identical_to_reference(size, fmt):
    data = encode(photo_like(*size, seed=size[0]), fmt, quality=90)
    with Image.open(io.BytesIO(data)) as image:
        expected = reference(image)
    result = hash_image(data)
    assert (result.hash, result.quality) == expected


@pytest.mark.parametrize(
    ("size", "fmt"),
    [
        ((2048, 1536), "JPEG"),
        ((1536, 2048), "JPEG"),
        ((1000, 700), "PNG"),
        ((3000, 600), "JPEG"),
        ((513, 900), "WEBP"),
        ((1200, 1200), "TIFF"),
        ((4096, 64), "PNG"),
        ((200, 5000), "JPEG"),
    ],
)
def test_generated_large_images_within_10_bits(size, fmt):
    data = encode(photo_like(*size, seed=size[1]), fmt, quality=92)
    with Image.open(io.BytesIO(data)) as image:
        expected, quality = reference(image)
    assert quality >= 80
    result = hash_image(data)
    assert distance(result.hash, expected) <= 10
    assert abs(result.quality - quality) <= 5


def test_jarosz_operator_is_the_reference_filter():
    """The 64x64 luma computed from the operator gives pdqhash's own DCT output."""
    rng = np.random.default_rng(7)
    for height, width in ((300, 1000), (700, 129), (1025, 640)):
        pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        expected, _ = pdqhash.compute_float(pixels)
        luma = (pixels @ np.array([0.299, 0.587, 0.114])).astype(np.float32).astype(np.float64)
        small = fast._jarosz_operator(height) @ luma @ fast._jarosz_operator(width).T
        # Compare through the DCT: pdqhash only takes uint8 input, the operator is float.
        dct = np.array(
            [
                [np.sqrt(2 / 64) * np.cos(np.pi / 128 * (i + 1) * (2 * j + 1)) for j in range(64)]
                for i in range(16)
            ]
        )
        produced = (dct @ small @ dct.T).flatten()[::-1]
        assert np.abs(produced - expected).max() < 1e-3 * np.abs(expected).max()


@pytest.mark.parametrize(
    ("full", "reduced", "step"), [(4000, 500, 8), (3000, 375, 8), (1600, 400, 4), (700, 700, 1)]
)
def test_banded_operator_applies_the_folded_operator(full, reduced, step):
    """The fast path multiplies only each output's band of the folded operator: the same
    64 samples as the whole operator, so the same hash."""
    rng = np.random.default_rng(full)
    pixels = rng.integers(0, 256, (reduced, reduced + 13), dtype=np.uint8)
    dense = fast._folded_operator(full, reduced, step)
    columns = fast._folded_operator(full + 13 * step, reduced + 13, step)
    expected = dense @ (pixels.astype(np.float64) @ columns.T)
    across = fast._apply_band(pixels, fast._banded_operator(full + 13 * step, reduced + 13, step))
    produced = fast._apply_band(across.T, fast._banded_operator(full, reduced, step)).T
    assert np.abs(produced - expected).max() < 1e-9 * np.abs(expected).max()
    assert fast._buffer_hash(produced) == fast._buffer_hash(expected)
    assert fast._buffer_quality(produced) == fast._buffer_quality(expected)
    _starts, weights = fast._banded_operator(full, reduced, step)
    assert weights.shape[1] < reduced // 8  # a band, not whole rows


def test_float_buffer_hashing_is_pdqhash_bit_for_bit():
    """The large-image path hashes its 64x64 buffer itself: same bits, quality, dihedrals."""
    rng = np.random.default_rng(21)
    checked = 0
    for trial in range(60):
        cells = int(rng.integers(2, 40))
        small = rng.integers(0, 256, (cells, cells), dtype=np.uint8)
        grey = np.asarray(Image.fromarray(small).resize((64, 64), Image.BICUBIC))
        rgb = np.repeat(grey[:, :, None], 3, axis=2)
        expected, quality = reference(Image.fromarray(rgb))
        buffer = grey.astype(np.float64)
        assert fast._buffer_quality(buffer) == quality, trial
        if quality < fast.MIN_QUALITY:
            # Nearly flat: its coefficients are all rounding noise around zero, and
            # float32 (C++) against float64 (here) decides the bits. Never matched anyway.
            continue
        checked += 1
        assert fast._buffer_hash(buffer) == expected, trial
        vectors, _ = pdqhash.compute_dihedral(rgb)
        moved = [fast._buffer_hash(np.ascontiguousarray(m(buffer))) for m in fast._DIHEDRAL_MOVES]
        assert moved == [fast._hex(v) for v in vectors], trial
    assert checked > 40


@pytest.mark.parametrize("size", [(700, 3), (4, 900), (600, 1)])
def test_slivers_get_the_references_empty_hash(size):
    rng = np.random.default_rng(size[0])
    image = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    result = hash_image(image)
    assert (result.hash, result.quality) == reference(image) == ("0" * 64, 0)


# -- modes, EXIF, bad input --------------------------------------------------------


def mode_variants(base: Image.Image) -> dict[str, Image.Image]:
    grey = np.asarray(base.convert("L"))
    lab = Image.merge("LAB", (base.convert("L"), *[Image.new("L", base.size, 128)] * 2))
    return {
        "1": base.convert("1"),
        "L": base.convert("L"),
        "LA": base.convert("LA"),
        "La": base.convert("LA").convert("La"),
        "P": base.convert("P"),
        "PA": base.convert("RGBA").convert("PA"),
        "RGBA": base.convert("RGBA"),
        "RGBa": base.convert("RGBA").convert("RGBa"),
        "RGBX": base.convert("RGBX"),
        "CMYK": base.convert("CMYK"),
        "YCbCr": base.convert("YCbCr"),
        "HSV": base.convert("HSV"),
        "LAB": lab,
        "I": base.convert("I"),
        "F": base.convert("F"),
        "I;16 full range": Image.fromarray(grey.astype(np.uint16) * 257),
        "F in 0..1": Image.fromarray(grey.astype(np.float32) / 255),
        "I negative": Image.fromarray(grey.astype(np.int32) * 1000 - 90_000),
    }


@pytest.mark.parametrize("size", [(400, 260), (1300, 900)])
def test_every_mode_hashes_to_nearly_the_same_value(size):
    base = photo_like(*size, seed=3)
    expected = hash_image(base).hash
    for mode, image in mode_variants(base).items():
        result = hash_image(image)
        # Bilevel and palette images are dithered/quantised copies, so a few more bits move.
        limit = 24 if mode in ("1", "P", "PA") else 8
        assert distance(result.hash, expected) <= limit, mode
        assert result.quality >= 50, mode


def test_mode_files_in_testdata_agree(pdq_testdata):
    folder = pdq_testdata / "misc-images" / "modes"
    expected = hash_image(folder / "original.jpg").hash
    for path in sorted(folder.iterdir()):
        assert distance(hash_image(path).hash, expected) <= 10, path.name


@pytest.mark.parametrize("size", [(320, 200), (1600, 1000)])
def test_exif_orientation_convention(size):
    upright = photo_like(*size, seed=11)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a camera held sideways writes
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    data = encode(stored, "JPEG", quality=95, exif=exif.tobytes())
    as_stored = hash_image(data)
    as_shown = hash_image(data, exif_transpose=True)
    # Default: the stored pixels, as reference.csv and the PDQ tools hash them.
    assert as_stored == hash_image(encode(stored, "JPEG", quality=95))
    assert distance(as_shown.hash, hash_image(encode(upright, "JPEG", quality=95)).hash) <= 10
    assert distance(as_stored.hash, as_shown.hash) > 31


def test_undecodable_input_is_a_clear_error(tmp_path):
    with pytest.raises(PDQError, match="not a decodable image"):
        hash_image(b"this is not an image")
    truncated = encode(photo_like(800, 600, seed=1), "JPEG", quality=90)[:5000]
    with pytest.raises(PDQError, match="cannot decode"):
        hash_image(truncated)
    with pytest.raises(PDQError):
        hash_image(tmp_path / "missing.jpg")


def test_decompression_bomb_is_an_error(monkeypatch):
    data = encode(photo_like(600, 400, seed=2), "PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 600 * 400 - 1)  # warning zone: still an error
    with pytest.raises(PDQError, match="decompression bomb"):
        hash_image(data)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # error zone
    with pytest.raises(PDQError, match="decompression bomb"):
        hash_image(data)


def test_file_object_path_and_bytes_agree(tmp_path):
    data = encode(photo_like(900, 700, seed=5), "JPEG", quality=90)
    path = tmp_path / "x.jpg"
    path.write_bytes(data)
    with path.open("rb") as handle:
        from_file = hash_image(handle)
    assert hash_image(path) == hash_image(str(path)) == hash_image(data) == from_file


def test_dihedral_matching_finds_rotated_copies_through_the_index(pdq_testdata):
    from netsafe.triage.pdq.index import PDQIndex

    folder = pdq_testdata / "reg-test-input" / "dih"
    known = PDQIndex.build([hash_image(folder / "bridge-1-original.jpg").hash], ids=[500])
    files = sorted(folder.glob("bridge-*.jpg"))
    queries = [h for path in files for h in dihedral_hashes(path)[0]]
    plain = known.search([hash_image(path).hash for path in files])
    assert plain.query.tolist() == [0]  # without dihedral only the original matches
    found = known.search(queries).grouped(np.repeat(np.arange(len(files)), 8))
    assert found.query.tolist() == list(range(len(files)))
    assert set(found.entry.tolist()) == {500}
    assert max(found.distance.tolist()) <= 16
