"""The gallery in the browser, keyboard only, on a 1280x800 screen: dense, keys that follow
the grid, stacks graded once, split and undo, focus where the help says, and a tally that
always equals what is stored however fast the keys come."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.factories import PASSWORD

from netsafe.audit.models import AuditEntry
from netsafe.examination.models import ReviewImage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Where axe-core may be: vendored into the static files, or the front-end packages.
_AXE = [
    Path(__file__).resolve().parents[2] / "src/netsafe/web/static/vendor/axe/axe.min.js",
    Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js",
    Path(__file__).resolve().parents[3] / "main/node_modules/axe-core/axe.min.js",
]

#: Thumbnails whose whole box is on the screen.
_VISIBLE = """() => [...document.querySelectorAll('[data-tile]')].filter(t => {
  const r = t.getBoundingClientRect();
  return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
}).length"""


@pytest.fixture
def gallery(page: Page, live_server, gallery_job):
    page.set_viewport_size({"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    url = f"{live_server.url}/examination/jobs/{gallery_job.pk}/review/"
    page.set_default_timeout(ANSWERED)
    page.set_default_navigation_timeout(ANSWERED)
    page.goto(url)
    page.get_by_label("Username").fill("sw-examiner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grade the images", timeout=ANSWERED)
    _settled(page)
    yield page, url
    assert problems == []


#: How long to wait for the server's answers: the live server answers one request at a
#: time, so a grade waits behind the page's thumbnails, each read from the evidence (on a
#: loaded machine that takes many seconds; nothing here is a timing).
ANSWERED = 120_000


def _settled(page: Page) -> None:
    """Wait until every step sent has its answer (the tally then shows what is stored) and
    every thumbnail is in: the test's own queries then never meet a request on the
    database connection the live server shares with the test."""
    expect(page.locator("[data-gallery]")).not_to_have_attribute("data-busy", "1", timeout=ANSWERED)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.netsafe-tile__thumb')].every(i => i.complete)",
        timeout=ANSWERED,
    )


def _focused_tile(page: Page) -> int:
    return page.evaluate("() => document.activeElement.closest('[data-tile]').id")


def _tile_ids(page: Page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('[data-tile]')].map(t => t.id)")


def _stored_graded(job) -> int:
    return ReviewImage.objects.filter(job=job).exclude(grade="").count()


def test_keys_follow_the_grid_and_the_tally_is_what_is_stored(gallery, gallery_job):
    page, _url = gallery
    # Dense: at least 40 pictures on the screen, where the page opens.
    assert page.evaluate(_VISIBLE) >= 40
    ids = _tile_ids(page)
    columns = page.evaluate(
        "() => { const t = [...document.querySelectorAll('[data-tile]')];"
        " return t.filter(x => x.offsetTop === t[0].offsetTop).length; }"
    )
    assert columns >= 8
    # Focus starts on the first picture to grade: the stack of four copies, known A.
    assert _focused_tile(page) == ids[0]
    expect(page.locator(f"#{ids[0]}")).to_contain_text("\u00d74")
    page.keyboard.press("a")
    # Focus moved on to the next picture not graded yet, as the help says.
    assert _focused_tile(page) == ids[1]
    _settled(page)
    expect(page.locator("[data-graded]")).to_have_text("4")
    assert sorted(
        ReviewImage.objects.filter(job=gallery_job, grade="A").values_list("path", flat=True)
    ) == ["DCIM/300.jpg", "copy0/same.jpg", "copy1/same.jpg", "copy2/same.jpg"]
    # Arrows: down is one row, right one picture, up one row, left one picture.
    page.keyboard.press("ArrowDown")
    assert _focused_tile(page) == ids[1 + columns]
    page.keyboard.press("ArrowRight")
    assert _focused_tile(page) == ids[2 + columns]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    assert _focused_tile(page) == ids[1]

    # Fast keying: twelve grades without waiting; the tally ends at what is stored.
    for key in "nnnnbbbbcccc":
        page.keyboard.press(key)
    assert _focused_tile(page) == ids[13]
    _settled(page)
    stored = _stored_graded(gallery_job)
    # The second tile is the near-identical stack of two: 4 + 2 + 11.
    assert stored == 17
    expect(page.locator("[data-graded]")).to_have_text(str(stored))
    for grade, n in (("non-pertinent", 5), ("B", 4), ("C", 4), ("A", 4)):
        expect(page.locator(f'[data-confirmed="{grade}"]')).to_have_text(str(n))

    # U undoes the last grade: focus goes to the picture it changed.
    page.keyboard.press("u")
    _settled(page)
    assert _focused_tile(page) == ids[12]
    expect(page.locator(f"#{ids[12]}")).not_to_have_class("netsafe-tile--graded")
    expect(page.locator("[data-graded]")).to_have_text(str(_stored_graded(gallery_job)))
    assert _stored_graded(gallery_job) == 16

    # After a reload, focus is on the first picture not graded yet.
    page.reload()
    _settled(page)
    assert _focused_tile(page) == ids[12]
    expect(page.locator("[data-graded]")).to_have_text("16")
    # Every grade of every member is in the audit log, undo included.
    assert AuditEntry.objects.filter(action="grade").count() == 17 + 1


def test_a_near_identical_stack_is_split_and_enter_opens_the_larger_view(gallery, gallery_job):
    page, _url = gallery
    near = page.locator("[data-split-url]")
    expect(near).to_have_count(1)
    expect(near.locator("img")).to_have_count(2)
    near_id = near.get_attribute("id")
    near.locator("[data-tile-link]").focus()
    page.keyboard.press("s")
    # The page shows the two pictures alone; focus on the first of them.
    expect(page.locator("[data-split-url]")).to_have_count(0, timeout=ANSWERED)
    expect(page.locator("[data-tile]")).to_have_count(49)
    page.wait_for_function(
        f"() => document.activeElement.closest('#{near_id}') !== null", timeout=ANSWERED
    )
    page.keyboard.press("u")
    expect(page.locator("[data-split-url]")).to_have_count(1, timeout=ANSWERED)
    expect(page.locator("[data-tile]")).to_have_count(48)
    page.wait_for_function(
        f"() => document.activeElement.closest('#{near_id}') !== null", timeout=ANSWERED
    )
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stack of near-identical pictures", timeout=ANSWERED
    )
    expect(page.locator("[data-members]")).to_contain_text("edited/301.jpg")


def test_pictures_are_blurred_until_focused_and_the_page_is_accessible(gallery, gallery_job):
    page, _url = gallery
    filters = page.evaluate(
        "() => [...document.querySelectorAll('.netsafe-tile__thumb')].slice(0, 3)"
        ".map(i => getComputedStyle(i).filter)"
    )
    assert filters[0] == "none"
    assert all(f.startswith("blur") for f in filters[1:])
    page.get_by_text("Filters and settings").click()
    page.get_by_label("Blur pictures until focused").uncheck()
    expect(page.locator("[data-gallery]")).not_to_have_class("netsafe-gallery--blur")
    # The setting is kept once the server has it.
    page.wait_for_load_state("networkidle", timeout=ANSWERED)
    page.reload()
    expect(page.locator("[data-gallery]")).not_to_have_class("netsafe-gallery--blur")
    axe = next((p for p in _AXE if p.is_file()), None)
    if axe is None:
        pytest.fail(f"axe-core not found at any of {[str(p) for p in _AXE]}")
    page.evaluate(axe.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']}))"
        ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' '))"
    )
    assert violations == []


#: For the tile ``id``: whether its link's focus ring (outline, box-shadow) reaches over its
#: labels, and whether any label is cut off.
_LABELS = """(id) => {
  const tile = document.getElementById(id);
  const link = tile.querySelector('[data-tile-link]');
  const meta = tile.querySelector('.netsafe-tile__meta');
  const cs = getComputedStyle(link);
  const outline = cs.outlineStyle === 'none' ? 0
    : parseFloat(cs.outlineWidth) + parseFloat(cs.outlineOffset);
  const shadow = cs.boxShadow === 'none' ? 0
    : Math.max(0, ...[...cs.boxShadow.matchAll(/(-?[\\d.]+)px/g)].map(x => +x[1]));
  const ring = link.getBoundingClientRect().bottom + Math.max(outline, shadow);
  return {
    covered: ring > meta.getBoundingClientRect().top,
    cut: meta.scrollHeight > meta.clientHeight || meta.scrollWidth > meta.clientWidth,
  };
}"""


def test_the_focused_tiles_labels_are_all_visible(gallery, gallery_job):
    """Found by hand: the focus ring lay over the top of the focused tile's labels (its
    suggested category, the very picture being graded), and labels past one line were cut
    off without a sign (a long grade with a second opinion and a stack's count)."""
    page, url = gallery
    first = ReviewImage.objects.filter(job=gallery_job).tiles().first()
    ReviewImage.objects.filter(tile_id=first.pk).update(
        grade="non-pertinent", second_opinion="B", deleted=True
    )
    page.goto(f"{url}?page=1#tile-{first.pk}")  # a new address: the page is loaded again
    _settled(page)
    tile = f"tile-{first.pk}"
    page.locator(f"#{tile} [data-tile-link]").focus()
    expect(page.locator(f"#{tile} [data-second-opinion]")).to_have_text("Second opinion: B")
    assert page.evaluate(_LABELS, tile) == {"covered": False, "cut": False}
    # The focus is still plain to see: on the tile, in the focus colours.
    ring = page.evaluate(f"() => getComputedStyle(document.getElementById('{tile}')).outlineStyle")
    assert ring == "solid"


def test_a_second_opinion_shows_on_its_tile_until_graded_again_and_undo_brings_it_back(
    gallery, gallery_job
):
    page, url = gallery
    tile = ReviewImage.objects.filter(job=gallery_job).tiles()[2]
    ReviewImage.objects.filter(tile_id=tile.pk).update(grade="C", second_opinion="B")
    page.goto(f"{url}?page=1#tile-{tile.pk}")
    _settled(page)
    tag = page.locator(f"#tile-{tile.pk} [data-second-opinion]")
    expect(tag).to_have_text("Second opinion: B")
    expect(page.locator("[data-to-review]")).to_have_text("1")
    page.locator(f"#tile-{tile.pk} [data-tile-link]").focus()
    page.keyboard.press("b")
    _settled(page)
    expect(tag).to_be_hidden()
    expect(page.locator("[data-to-review-line]")).to_be_hidden()
    assert ReviewImage.objects.get(pk=tile.pk).second_opinion == ""
    page.keyboard.press("u")
    _settled(page)
    expect(tag).to_be_visible()
    expect(tag).to_have_text("Second opinion: B")
    expect(page.locator("[data-to-review]")).to_have_text("1")
    assert ReviewImage.objects.get(pk=tile.pk).grade == "C"
