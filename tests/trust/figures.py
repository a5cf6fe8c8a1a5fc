"""What the trust tests measured in this run, for the figures in ``docs/security.md``.

A test says what it saw with :func:`record` once its assertions have passed, so a
figure is only ever written for a check that held. At the end of the run the lines go
to ``var/trust-figures.md``; with ``KUVERT_UPDATE_DOCS=1`` they also replace the part
of ``docs/security.md`` between the two markers. The page's figures therefore come
from a run of the tests, never from someone's typing.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import date

from app.config import ROOT
from tests.helpers.machine import cpu_model

START = "<!-- figures: written by the tests (KUVERT_UPDATE_DOCS=1 make test) -->"
END = "<!-- end of figures -->"
PAGE = ROOT / "docs" / "security.md"

_lines: dict[tuple[str, str], str] = {}
_counts: Counter[tuple[str, str]] = Counter()


def backend_of(database_url: str) -> str:
    return "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"


def record(topic: str, backend: str, text: str) -> None:
    """One line of figures for ``topic`` on ``backend``; a later line replaces it."""
    _lines[topic, backend] = text


def count(topic: str, backend: str, n: int = 1) -> None:
    """Add ``n`` to a running count (requests fuzzed, checks passed, …)."""
    _counts[topic, backend] += n


def counted(topic: str, backend: str) -> int:
    return _counts[topic, backend]


def summary() -> str:
    """The figures as Markdown, or "" when no trust test recorded any."""
    if not _lines:
        return ""
    backends = sorted({backend for _, backend in _lines})
    head = (f"Run on {date.today().isoformat()} on {cpu_model()} ({os.cpu_count()} cores), "
            f"on {' and '.join(backends)}:\n")
    body = "".join(f"- {topic}, {backend}: {text}\n"
                   for (topic, backend), text in sorted(_lines.items()))
    return f"{head}\n{body}"


_LINE = re.compile(r"^- (?P<topic>.+), (?P<backend>SQLite|PostgreSQL): (?P<text>.*)$")


def _earlier(block: str) -> dict[tuple[str, str], str]:
    """The figure lines already on the page, by (topic, backend)."""
    found = {}
    for line in block.splitlines():
        if match := _LINE.match(line):
            found[match["topic"], match["backend"]] = match["text"]
    return found


def write() -> None:
    text = summary()
    if not text:
        return
    out = ROOT / "var" / "trust-figures.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    if os.environ.get("KUVERT_UPDATE_DOCS") == "1":
        page = PAGE.read_text(encoding="utf-8")
        before, rest = page.split(START, 1)
        block, after = rest.split(END, 1)
        # A run of only some trust tests replaces their lines and keeps the others' lines.
        kept = {k: v for k, v in _earlier(block).items() if k not in _lines}
        if kept:
            text += ("\nFrom earlier runs (their tests did not run this time):\n\n" + "".join(
                f"- {topic}, {backend}: {line}\n"
                for (topic, backend), line in sorted(kept.items())))
        PAGE.write_text(f"{before}{START}\n{text}{END}{after}", encoding="utf-8")
