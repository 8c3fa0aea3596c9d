"""Walk a signed-in user's pages in a real browser, as they would, by following links.

:func:`crawl` starts from where sign-in lands and follows every same-site link it
meets, one page per kind of page (the URL name plus the query's parameter names,
so ``?page=2`` and ``?page=3`` are one kind), and on each page runs axe-core
with the WCAG 2.2 AA rules and measures whether the page scrolls sideways at
320 CSS px (WCAG 1.4.10, reflow) and at 1280 px.

axe-core is the npm package of package.json, vendored by scripts/vendor_frontend.py.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlsplit

from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[2]
#: Where axe-core is found: vendored into the static files, or straight from npm's folder.
AXE_PLACES = (
    ROOT / "src" / "netsafe" / "web" / "static" / "vendor" / "axe" / "axe.min.js",
    ROOT / "node_modules" / "axe-core" / "axe.min.js",
)

#: The WCAG 2.2 AA rule set (A and AA of every version up to 2.2).
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

#: The widths checked for sideways scrolling: a small phone (WCAG 1.4.10) and a laptop.
WIDTHS = (320, 1280)

#: Links that are not pages to walk: signing out, files to download, the static files.
_NOT_PAGES = ("/accounts/logout/", "/static/", "/media/")
_DOWNLOADS = (".pdf", ".csv", ".json", ".zip", ".jpg", ".png", ".xlsx")
#: The scan's own HTML report (examination:report) is a file the scanner wrote, served
#: in a sandbox without scripts: its accessibility is triage/report.py's, tested there.
_NOT_WALKED = {"examination:report", "examination:report-file", "examination:image", "logout"}

_LINKS = """() => [...document.querySelectorAll('a[href]')]
  .filter(a => !a.hasAttribute('download'))
  .map(a => a.href)"""

_OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1)
    .filter(e => !e.closest('.app-table-wrap, .govuk-visually-hidden, .govuk-skip-link'))
    .slice(0, 3)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim()
      .split(/\\s+/).join('.') : ''));
  return {scroll: doc.scrollWidth - doc.clientWidth, wide};
}"""

_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def axe_source() -> str:
    """axe-core's script; a clear failure when it was never installed."""
    for place in AXE_PLACES:
        if place.is_file():
            return place.read_text(encoding="utf-8")
    raise AssertionError(
        "axe-core is missing: run `make install` (npm ci, then scripts/vendor_frontend.py);"
        f" looked in {', '.join(str(p) for p in AXE_PLACES)}"
    )


@dataclass
class Problem:
    """What one page got wrong."""

    url: str
    what: str

    def __str__(self) -> str:
        return f"{self.url}: {self.what}"


@dataclass
class Crawl:
    """The pages walked and the problems found on them."""

    visited: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def sign_in(page, base: str, username: str, password: str) -> None:
    """Sign in through the form, as a person does; the page is left where sign-in lands."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/login/" in page.url:
        raise AssertionError(f"{username} could not sign in: still on {page.url}")


def kind_of(path: str, query: str) -> str | None:
    """The kind of page at a path: its URL name and the names of its query's parameters."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name in _NOT_WALKED:
        return None
    if match.namespace == "admin":
        # Django's admin: each change list's filters combine without end, all one template.
        return match.view_name
    names = sorted({k for k, _ in parse_qsl(query, keep_blank_values=True)})
    return f"{match.view_name}?{'&'.join(names)}"


def _check(page, url: str, axe: str, crawl: Crawl) -> None:
    """axe at 1280 px, then sideways scrolling at each width."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe)
    for violation in page.evaluate(_AXE_RUN, WCAG_22_AA):
        crawl.problems.append(
            Problem(
                url,
                f"axe {violation['id']} ({violation['impact']}): {violation['help']}"
                f" at {json.dumps(violation['nodes'])}",
            )
        )
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(_OVERFLOW)
        if overflow["scroll"] > 0:
            crawl.problems.append(
                Problem(
                    url,
                    f"scrolls sideways by {overflow['scroll']} px at {width} px"
                    f" (too wide: {', '.join(overflow['wide'])})",
                )
            )
    page.set_viewport_size({"width": WIDTHS[-1], "height": 900})


def crawl(page, base: str, *, start: str | None = None, limit: int = 400) -> Crawl:
    """Walk every kind of page reachable by links from ``start`` (default: the page shown)."""
    axe = axe_source()
    result = Crawl()
    first = start or page.url
    queue: deque[str] = deque([first])
    origin = urlsplit(base).netloc
    start_parts = urlsplit(first)
    kinds: set[str] = {kind_of(start_parts.path, start_parts.query) or first}
    seen: set[str] = {first}
    page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
    while queue and len(result.visited) < limit:
        url = queue.popleft()
        response = page.goto(url if url.startswith("http") else f"{base}{url}")
        if response is None or response.status >= 400:
            status = response.status if response else "no response"
            result.problems.append(Problem(url, f"answered {status} to a link on the site"))
            continue
        if urlsplit(page.url).netloc != origin:
            continue
        result.visited.append(page.url)
        _check(page, page.url, axe, result)
        for href in page.evaluate(_LINKS):
            href, _fragment = urldefrag(href)
            parts = urlsplit(href)
            if parts.netloc != origin or href in seen:
                continue
            seen.add(href)
            if parts.path.startswith(_NOT_PAGES) or parts.path.endswith(_DOWNLOADS):
                continue
            kind = kind_of(parts.path, parts.query)
            if kind is None or kind in kinds:
                continue
            kinds.add(kind)
            queue.append(href)
    return result
