"""Videos are graded as one item with their frames visible: a contact sheet made in memory
at review time, each frame matched against the image hash sets, so that a known still
inside a video is found."""

from __future__ import annotations

import io

import av
import pytest
from django.urls import reverse
from PIL import Image
from tests.examination.conftest import blocks
from tests.triage.conftest import jpeg_bytes

from netsafe.examination import jobs
from netsafe.examination.models import JobStatus, ReviewImage
from netsafe.triage.perceptual import pdq_of_stream

pytestmark = pytest.mark.django_db


def mp4(stills: list[tuple[Image.Image, int]], fps: int = 4) -> bytes:
    """An MP4 of each still shown for so many seconds."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = stills[0][0].size
        stream.pix_fmt = "yuv420p"
        for still, seconds in stills:
            for _ in range(seconds * fps):
                for packet in stream.encode(av.VideoFrame.from_image(still)):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


@pytest.fixture
def video_job(store, exhibit, examiner):
    known = blocks(500)
    folder = store.root / "JS-5-video"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes(mp4([(blocks(501), 2), (known, 3), (blocks(502), 2)]))
    pdq, _quality = pdq_of_stream(io.BytesIO(jpeg_bytes(known)))
    with open(store.hashset, "a", encoding="utf-8") as fh:
        fh.write(f"10,,{pdq},A\n")
    job = jobs.queue(exhibit, "JS-5-video", examiner)
    jobs.run(jobs.claim(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    return job


def test_a_video_is_one_item_with_a_contact_sheet_and_its_known_still_found(
    client, store, video_job, examiner
):
    video = ReviewImage.objects.get(job=video_job, path="clip.mp4")
    assert video.is_video
    assert video.is_tile
    before = {p for p in store.root.parent.rglob("*") if p.is_file()}
    client.force_login(examiner)
    sheet = client.get(reverse("examination:image", args=[video.pk]), {"size": "large"})
    assert sheet.status_code == 200
    assert "no-store" in sheet["Cache-Control"]
    with Image.open(io.BytesIO(sheet.content)) as img:
        assert img.format == "JPEG"
        # Seven seconds of video, one frame a second: a sheet of 3 by 3 cells, 7 filled.
        assert img.size == (639, 639)
    page = client.get(reverse("examination:item", args=[video.pk]))
    frames = page.context["frames"]
    assert [f.second for f in frames] == [0, 1, 2, 3, 4, 5, 6]
    # The known still is found in the seconds it is shown, and nowhere else.
    assert [f.category for f in frames] == ["", "", "A", "A", "A", "", ""]
    assert "<strong>A</strong>" in page.content.decode()
    # Found by hand: the video's form said "Grade this picture".
    assert "Grade this video" in page.content.decode()
    assert "Grade this picture" not in page.content.decode()
    # Nothing of the video was written outside the evidence and the report.
    assert {p for p in store.root.parent.rglob("*") if p.is_file()} == before
    gallery = client.get(reverse("examination:review", args=[video_job.pk])).content.decode()
    assert f"/examination/images/{video.pk}/?size=grid" in gallery


def test_a_known_still_inside_a_video_makes_the_video_suggested_in_the_gallery(
    client, video_job, examiner
):
    """The frames' match is the video item's suggestion from the triage on: its tile's tag,
    the "suggested category" filter and the gallery order (matched first) all use it,
    before anyone opens the video."""
    video = ReviewImage.objects.get(job=video_job, path="clip.mp4")
    assert (video.suggested, video.match_kind) == ("A", "frame")
    assert video.distance is not None
    client.force_login(examiner)
    shown = client.get(reverse("examination:review", args=[video_job.pk]), {"suggested": "A"})
    assert [t.pk for t in shown.context["tiles"]] == [video.pk]
    assert "A" in shown.context["suggestions"]
    html = shown.content.decode()
    assert "suggested A" in html  # the tile's label says so to a screen reader


def test_a_video_triaged_before_frames_were_matched_is_suggested_when_first_viewed(
    client, video_job, examiner
):
    """A video listed without the frames' suggestion (an older triage) gets it, stored, the
    first time its frames are matched in the larger view."""
    video = ReviewImage.objects.get(job=video_job, path="clip.mp4")
    ReviewImage.objects.filter(pk=video.pk).update(suggested="", match_kind="", distance=None)
    client.force_login(examiner)
    assert client.get(reverse("examination:item", args=[video.pk])).status_code == 200
    video.refresh_from_db()
    assert (video.suggested, video.match_kind) == ("A", "frame")
    # Never a grade: the examiner's decision is still to make.
    assert video.grade == ""


def test_a_video_with_no_known_frame_stays_unknown(store, exhibit, examiner):
    folder = store.root / "JS-6-video"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes(mp4([(blocks(601), 2), (blocks(602), 2)]))
    job = jobs.queue(exhibit, "JS-6-video", examiner)
    jobs.run(jobs.claim(job.pk))
    video = ReviewImage.objects.get(job=job, path="clip.mp4")
    assert (video.suggested, video.match_kind) == ("", "")
