"""Reading our PDFs back with pdfplumber (a tool we did not write): the text of every
page, the size of the actor labels on the envelope, and the last line of each page.

Shared by the PDF tests (reportlab's, tests/graph/test_pdf.py) and the print tests
(Chromium's, tests/browser/test_login_and_print.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import pdfplumber

#: The legend's heading, Danish and English: on a page drawn whole (title block, envelope,
#: legend) the envelope ends left of it; paper prints the legend on page two.
LEGEND = ("Signaturforklaring", "Legend")
#: The top panel's title: the envelope starts at it (the title block is above).
TOP_PANEL = ("AFDELINGER", "DEPARTMENTS")


def squeeze(text: str) -> str:
    """Whitespace folded to single spaces, as a line break in a PDF is one."""
    return " ".join(text.split())


def unbroken(text: str) -> str:
    """Text without any whitespace: a browser may break a line after a hyphen, where the
    source has no space."""
    return "".join(text.split())


def page_texts(pdf: bytes) -> list[str]:
    """Every page's text, whitespace folded."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [squeeze(page.extract_text() or "") for page in doc.pages]


def last_lines(pdf: bytes) -> list[str]:
    """The lowest line of text on each page (empty for a page without text)."""
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            lines = page.extract_text_lines()
            found.append(squeeze(max(lines, key=lambda ln: ln["bottom"])["text"])
                         if lines else "")
    return found


def label_sizes(pdf: bytes, labels: Iterable[str]) -> dict[str, float]:
    """The font size (pt) of each actor label on page one, inside the envelope: below
    the top panel's title and left of the legend (if page one has it), so that the title
    block or heading (which names the coordinator) and the legend do not count. A label's
    size is its smallest word's; a label not found is missing from the answer."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        words: list[dict[str, Any]] = doc.pages[0].extract_words(extra_attrs=["size"])
    top = min(w["top"] for w in words if w["text"] in TOP_PANEL)
    right = min((w["x0"] for w in words if w["text"] in LEGEND), default=float("inf"))
    inside = [w for w in words if w["top"] >= top and w["x1"] <= right]
    sizes = {}
    for label in labels:
        matched = [w["size"] for part in label.split() for w in inside if w["text"] == part]
        if matched:
            sizes[label] = min(matched)
    return sizes
