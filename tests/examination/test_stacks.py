"""Stacks and the gallery's steps on the server: the same picture is one stack graded once,
near-identical pictures are offered as a stack the examiner confirms or splits, every
member's grade is recorded and audited, each step can be undone, and the gallery opens at
the first picture still to grade, with its filters."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry
from netsafe.examination import grading, views
from netsafe.examination.models import NearState, ReviewImage

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _tile(job, path: str) -> ReviewImage:
    item = ReviewImage.objects.get(job=job, path=path)
    return ReviewImage.objects.get(pk=item.tile_id)


def test_copies_are_one_stack_graded_once_and_audited_one_by_one(client, gallery_job, examiner):
    tile = _tile(gallery_job, "DCIM/300.jpg")
    assert tile.is_tile
    assert tile.count == 4
    assert tile.suggested == "A"
    # 48 distinct pictures, the copies and the re-encoding stacked: 48 tiles for 52 items.
    assert gallery_job.images.count() == 52
    assert gallery_job.images.tiles().count() == 48
    client.force_login(examiner)
    result = client.post(reverse("examination:grade", args=[tile.pk]), {"grade": "A"}, **JSON)
    assert result.status_code == 200
    assert result.json()["tally"]["graded"] == 4
    assert result.json()["tally"]["confirmed"]["A"] == 4
    copies = ReviewImage.objects.filter(job=gallery_job, sha1=tile.sha1)
    assert sorted(copies.values_list("grade", flat=True)) == ["A"] * 4
    audited = AuditEntry.objects.filter(action="grade").order_by("id")
    assert sorted(e.object_id for e in audited) == sorted(str(c.pk) for c in copies)
    assert all(e.changes == {"grade": ["", "A"]} for e in audited)
    assert {e.detail.split(": ")[1].split(" row")[0] for e in audited} == {
        "DCIM/300.jpg",
        "copy0/same.jpg",
        "copy1/same.jpg",
        "copy2/same.jpg",
    }


def test_near_identical_pictures_are_offered_and_a_grade_confirms_them(
    client, gallery_job, examiner
):
    tile = _tile(gallery_job, "edited/301.jpg")
    original = ReviewImage.objects.get(job=gallery_job, path="DCIM/301.jpg")
    assert tile.pk == original.pk
    assert tile.near_state == NearState.OFFERED
    assert tile.count == 2
    edited = ReviewImage.objects.get(job=gallery_job, path="edited/301.jpg")
    assert edited.sha1 != original.sha1
    assert edited.near_distance <= 24
    # Both pictures are shown on the tile.
    client.force_login(examiner)
    page = client.get(reverse("examination:review", args=[gallery_job.pk])).content.decode()
    tile_html = page[page.index(f'id="tile-{tile.pk}"') :].split("</li>")[0]
    assert f"/examination/images/{original.pk}/?size=grid" in tile_html
    assert f"/examination/images/{edited.pk}/?size=grid" in tile_html
    client.post(reverse("examination:grade", args=[edited.pk]), {"grade": "C"}, **JSON)
    tile.refresh_from_db()
    assert tile.near_state == NearState.CONFIRMED
    assert set(ReviewImage.objects.filter(tile=tile).values_list("grade", flat=True)) == {"C"}
    assert AuditEntry.objects.filter(action="stack-confirm").count() == 1


def test_a_split_shows_each_picture_alone_and_undo_stacks_them_again(client, gallery_job, examiner):
    tile = _tile(gallery_job, "edited/301.jpg")
    client.force_login(examiner)
    url = reverse("examination:split", args=[tile.pk])
    assert client.post(url, **JSON).status_code == 200
    edited = ReviewImage.objects.get(job=gallery_job, path="edited/301.jpg")
    tile.refresh_from_db()
    assert edited.is_tile
    assert edited.tile_id == edited.pk
    assert tile.count == 1
    assert tile.near_state == NearState.SPLIT
    assert gallery_job.images.tiles().count() == 49
    # A split stack is not a stack any more.
    assert client.post(url, **JSON).status_code == 400
    undone = client.post(reverse("examination:undo", args=[gallery_job.pk]), **JSON).json()
    assert undone["action"] == "split"
    tile.refresh_from_db()
    edited.refresh_from_db()
    assert tile.near_state == NearState.OFFERED
    assert tile.count == 2
    assert not edited.is_tile
    assert edited.tile_id == tile.pk
    splits = AuditEntry.objects.filter(action="stack-split").order_by("id")
    assert list(splits.values_list("changes", flat=True)) == [
        {"near_state": ["offered", "split"]},
        {"near_state": ["split", "offered"]},
    ]


def test_undo_takes_back_the_last_grade_of_every_member(client, gallery_job, examiner):
    stack = _tile(gallery_job, "DCIM/300.jpg")
    single = _tile(gallery_job, "DCIM/310.jpg")
    client.force_login(examiner)
    client.post(reverse("examination:grade", args=[stack.pk]), {"grade": "A"}, **JSON)
    client.post(reverse("examination:grade", args=[single.pk]), {"grade": "B"}, **JSON)
    client.post(reverse("examination:grade", args=[single.pk]), {"grade": "C"}, **JSON)
    undo = reverse("examination:undo", args=[gallery_job.pk])
    first = client.post(undo, **JSON).json()
    assert first["tiles"] == {
        str(single.pk): {"grade": "B", "label": "Category B", "second_opinion": ""}
    }
    assert first["tally"]["graded"] == 5
    client.post(undo, **JSON)
    second = client.post(undo, **JSON).json()
    assert second["tally"]["graded"] == 0
    assert set(ReviewImage.objects.filter(job=gallery_job).values_list("grade", flat=True)) == {""}
    # Every member's return is audited as a grade of its own.
    assert AuditEntry.objects.filter(action="grade", changes={"grade": ["A", ""]}).count() == 4
    nothing = client.post(undo, **JSON)
    assert nothing.status_code == 409
    assert nothing.json()["error"] == "Nothing to undo."


def test_undo_refuses_when_another_examiner_graded_since(client, gallery_job, examiner):
    single = _tile(gallery_job, "DCIM/310.jpg")
    client.force_login(examiner)
    client.post(reverse("examination:grade", args=[single.pk]), {"grade": "B"}, **JSON)
    colleague = make_user("sw-examiner-2", "south-wales", Role.EXAMINER)
    grading.grade(single, "C", colleague)
    response = client.post(reverse("examination:undo", args=[gallery_job.pk]), **JSON)
    assert response.status_code == 409
    assert "graded again since (DCIM/310.jpg)" in response.json()["error"]
    single.refresh_from_db()
    assert single.grade == "C"


def test_the_gallery_opens_at_the_first_picture_to_grade(
    client, gallery_job, examiner, monkeypatch
):
    monkeypatch.setattr(views, "REVIEW_PAGE", 10)
    client.force_login(examiner)
    tiles = list(gallery_job.images.tiles())
    for tile in tiles[:13]:
        client.post(
            reverse("examination:grade", args=[tile.pk]), {"grade": "non-pertinent"}, **JSON
        )
    page = client.get(reverse("examination:review", args=[gallery_job.pk]))
    assert page.context["page_obj"].number == 2
    assert page.context["first_ungraded"] == tiles[13].pk
    assert f'id="tile-{tiles[13].pk}"' in page.content.decode()
    assert (
        "data-first-ungraded" in page.content.decode().split(f'id="tile-{tiles[13].pk}"')[1][:400]
    )


def test_the_filters(client, gallery_job, examiner):
    client.force_login(examiner)
    url = reverse("examination:review", args=[gallery_job.pk])

    def shown(**query) -> list[str]:
        return [t.path for t in client.get(url, query).context["tiles"]]

    assert shown(suggested="A") == ["DCIM/300.jpg"]
    assert len(shown(suggested="unknown")) == 47
    assert shown(stacks="1") == ["DCIM/300.jpg", "DCIM/301.jpg"]
    assert shown(deleted="1") == []


def test_the_gallery_holds_many_pictures_a_page(client, gallery_job, examiner):
    client.force_login(examiner)
    page = client.get(reverse("examination:review", args=[gallery_job.pk]))
    assert len(page.context["tiles"]) == 48
    assert views.REVIEW_PAGE >= 40


def test_the_blur_setting_is_kept_for_the_examiner(client, gallery_job, examiner):
    client.force_login(examiner)
    url = reverse("examination:review", args=[gallery_job.pk])
    assert "netsafe-gallery--blur" in client.get(url).content.decode()
    client.post(reverse("examination:review-settings"), {"blur": "0", "next": url})
    assert "netsafe-gallery--blur" not in client.get(url).content.decode()


def test_another_force_finds_none_of_the_steps(client, gallery_job, other_examiner):
    tile = _tile(gallery_job, "edited/301.jpg")
    client.force_login(other_examiner)
    for url in (
        reverse("examination:item", args=[tile.pk]),
        reverse("examination:split", args=[tile.pk]),
        reverse("examination:undo", args=[gallery_job.pk]),
    ):
        method = client.get if url.endswith("/view/") else client.post
        assert method(url).status_code == 404, url
    tile.refresh_from_db()
    assert tile.near_state == NearState.OFFERED


def test_the_larger_view_lists_where_each_item_is(client, gallery_job, examiner):
    tile = _tile(gallery_job, "DCIM/300.jpg")
    client.force_login(examiner)
    page = client.get(reverse("examination:item", args=[tile.pk])).content.decode()
    for path in ("DCIM/300.jpg", "copy0/same.jpg", "copy1/same.jpg", "copy2/same.jpg"):
        assert path in page
    assert "Grade all 4 items of this stack" in page


def test_the_gallery_and_its_larger_view_are_in_welsh(client, gallery_job, examiner):
    from tests.translations import untranslated

    tile = _tile(gallery_job, "DCIM/300.jpg")
    # A second opinion to review: its tag, the tally's line, the larger view's notice.
    ReviewImage.objects.filter(tile_id=tile.pk).update(grade="C", second_opinion="B")
    pages = [
        reverse("examination:review", args=[gallery_job.pk]),
        reverse("examination:item", args=[tile.pk]),
    ]
    client.force_login(examiner)
    english = [client.get(p).content.decode() for p in pages]
    examiner.language = "cy"
    examiner.save()
    welsh = [client.get(p).content.decode() for p in pages]
    left = [t for e, w in zip(english, welsh, strict=True) for t in untranslated(e, w)]
    # What is English in Welsh too: file paths and hashes, names (the service, the user,
    # the force, the device), the menu (not this change's) and the grade and category
    # labels the models give (not this change's either).
    remaining = [
        t
        for t in left
        if "/" not in t
        and "JS/1" not in t
        and "JS-4" not in t
        and not t.startswith(("Category", "Non-pertinent", "Alun", "SHA-1", "Picture"))
        and t.lstrip(", ") not in {"A", "B", "C", "Non-pertinent", tile.sha1}
        and t not in {"NetSafe", "sw-examiner", "South Wales Police", "Examination"}
    ]
    assert remaining == [], "|".join(remaining)


def test_the_larger_view_and_its_grade_go_back_to_the_filtered_gallery(
    client, gallery_job, examiner
):
    """Found by hand: from a filtered gallery (say the pictures suggested A), the larger
    view's "Back to the pictures" and its grade buttons went back to the whole gallery, so
    the examiner lost the list being worked through after each picture."""
    client.force_login(examiner)
    gallery = reverse("examination:review", args=[gallery_job.pk])
    tile = client.get(gallery, {"suggested": "A"}).context["tiles"][0]
    item = reverse("examination:item", args=[tile.pk])
    assert f'href="{item}?suggested=A"' in client.get(gallery, {"suggested": "A"}).content.decode()
    page = client.get(item, {"suggested": "A", "other": "x"})
    assert page.context["back"] == f"{gallery}?suggested=A&page=1#tile-{tile.pk}"
    assert 'name="filters" value="suggested=A"' in page.content.decode()
    graded = client.post(
        reverse("examination:grade", args=[tile.pk]),
        {"grade": "A", "filters": "suggested=A&next=//elsewhere"},
    )
    assert graded.url == f"{gallery}?suggested=A#tile-{tile.pk}"
