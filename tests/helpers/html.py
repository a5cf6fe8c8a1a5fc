"""HTML read through a parser (lxml.html with CSS selectors), not by splitting strings:
a check then holds whatever the attribute order, quoting or whitespace of the markup."""

from __future__ import annotations

from typing import Any

import lxml.html
from lxml.html import HtmlElement

__all__ = ["HtmlElement", "all_text", "csrf_token", "has", "is_page", "markup", "one", "parse",
           "text_of"]


def parse(html: str | Any) -> HtmlElement:
    """A page or fragment (or a response with ``.text``) as an element tree."""
    text = html if isinstance(html, str) else html.text
    return lxml.html.fromstring(text)


def one(doc: HtmlElement | str | Any, css: str) -> HtmlElement:
    """The one element matching ``css``; fails the test when there are none or several."""
    root = doc if isinstance(doc, HtmlElement) else parse(doc)
    found = root.cssselect(css)
    assert len(found) == 1, f"{len(found)} elements match {css!r}"
    return found[0]


def has(doc: HtmlElement | str | Any, css: str) -> bool:
    """Whether any element matches ``css``."""
    root = doc if isinstance(doc, HtmlElement) else parse(doc)
    return bool(root.cssselect(css))


def is_page(html: str | Any) -> bool:
    """A whole page (its root is ``<html>``), not a fragment for htmx to swap in."""
    return parse(html).tag == "html"


def text_of(element: HtmlElement) -> str:
    """The element's text with its descendants', whitespace folded as a browser shows it."""
    return " ".join(element.text_content().split())


def markup(element: HtmlElement) -> str:
    """The element as HTML again (attributes included): for checks that nothing, not even
    a link or a data attribute, within it names something."""
    return lxml.html.tostring(element, encoding="unicode")


def all_text(doc: HtmlElement | str | Any, css: str) -> list[str]:
    """The text (folded) of every element matching ``css``, in document order."""
    root = doc if isinstance(doc, HtmlElement) else parse(doc)
    return [text_of(e) for e in root.cssselect(css)]


def csrf_token(html: HtmlElement | str | Any) -> str:
    """The value of the page's first CSRF field (every form of a page carries the same)."""
    root = html if isinstance(html, HtmlElement) else parse(html)
    fields = root.cssselect('input[name="csrf"]')
    assert fields, "the page has no CSRF field"
    return str(fields[0].get("value"))
