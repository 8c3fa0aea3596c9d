"""The operation report for the monthly meeting of the four forces, as HTML and PDF."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from .dashboard import context


def render_html(as_at: date, *, pdf: bool = False) -> str:
    """The report page; ``pdf`` leaves out what only a browser needs (links, stylesheet)."""
    return render_to_string(
        "stats/report.html",
        context(as_at) | {"pdf": pdf, "service_name": settings.NETSAFE_OPERATION["name"]},
    )


def render_pdf(as_at: date) -> bytes:
    """The report as tagged PDF (PDF/UA-1), drawn by WeasyPrint (the charts are SVG in the page).

    Tagged so that a screen reader reads it in order, with its headings, tables
    and the charts' titles: an untagged PDF is one flat run of text.
    """
    from weasyprint import CSS, HTML

    stylesheet = finders.find("stats/report.css")
    if stylesheet is None:
        raise FileNotFoundError("static file stats/report.css is missing")
    # Nothing is fetched: the report is one self-contained page and its stylesheet.
    return HTML(string=render_html(as_at, pdf=True), url_fetcher=_refuse).write_pdf(
        stylesheets=[CSS(filename=stylesheet)], pdf_variant="pdf/ua-1"
    )


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"the report fetches nothing, not {url}")
