"""Envelope SVG: parses, escapes, says what every mark means, same bytes every time."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from app.graph.document import GraphDocument
from app.graph.examples import EXAMPLES
from app.graph.svg import (
    _WORDS,
    legend_svg,
    render_svg,
    render_template,
    title_lines,
)
from app.graph.words import PROTOTYPE_NAMES, STATE_NAMES
from app.i18n import words_for
from tests.helpers.documents import documents, make_doc

NS = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[2]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def actor_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if (g.get("id") or "").startswith("actor-")]


def coupling_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if (g.get("id") or "").startswith("coupling-")]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(documents(max_actors=150))
def test_render_svg_parses_with_unique_ids(doc: GraphDocument) -> None:
    root = parse(render_svg(doc))
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    assert len(actor_groups(root)) == len(doc.actors)
    assert len(coupling_groups(root)) == len(doc.couplings)
    assert root.find(f"{NS}script") is None


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_render_svg_draws_every_example(name: str) -> None:
    doc = EXAMPLES[name]()
    svg = render_svg(doc, prototype=2, on=date(2026, 3, 12))
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{NS}title") is not None
    desc = root.find(f"{NS}desc")
    assert desc is not None and desc.text is not None
    assert f"{len(doc.actors) - 1} aktører" in desc.text
    assert f"{len(doc.couplings)} koblinger" in desc.text and "Prototype 2" in desc.text
    assert "12.03.2026" in svg
    assert "Prototype 2 – svære problemstillinger" in svg
    for actor in doc.actors:
        group = root.find(f".//{NS}g[@data-key='{actor.key}']")
        assert group is not None and group.get("data-kind") == actor.kind
        assert f"kind-{actor.kind}" in (group.get("class") or "")


def test_render_svg_keeps_danish_letters_as_text() -> None:
    svg = render_svg(EXAMPLES["claus-nu"]())
    texts = "".join(t.text or "" for t in parse(svg).iter(f"{NS}text"))
    assert "Ydelsesrådgiver" in texts and "Afdelinger".upper() in texts
    assert "NETVÆRK" in texts


def test_render_svg_escapes_script_label() -> None:
    doc = make_doc([{"kind": "network", "label": "<script>alert(1)</script>",
                     "panel": "netvaerk"}, {"kind": "network", "label": 'Mor & "far"'}],
                   [(0, 1, "needed")])
    svg = render_svg(doc)
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert any(t and "<script>" in t for t in texts)
    assert any(t and 'Mor & "far"' in t for t in texts)


def test_render_svg_survives_control_characters() -> None:
    doc = make_doc([{"kind": "network", "label": "Mor\x01\x0b far"}])
    parse(render_svg(doc))


def test_render_svg_ids_are_valid_for_odd_keys() -> None:
    doc = GraphDocument.model_validate({
        "label": "Nøgler", "target_group": "unge",
        "actors": [{"key": "borger", "kind": "citizen", "label": "B"},
                   {"key": "a.b", "kind": "network", "label": "A"},
                   {"key": "a-b", "kind": "network", "label": "B"},
                   {"key": "a_b", "kind": "network", "label": "C"},
                   {"key": "søn", "kind": "network", "label": "Søn"},
                   {"key": "a", "kind": "network", "label": "D"},
                   {"key": "b-c", "kind": "network", "label": "E"},
                   {"key": "a-b-c", "kind": "network", "label": "F"}],
        "couplings": [{"source": "a-b", "target": "b-c"}, {"source": "a", "target": "b-c"},
                      {"source": "a-b-c", "target": "søn"}, {"source": "a.b", "target": "a_b"}],
    })
    root = parse(render_svg(doc))
    ids = [el.get("id") or "" for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    assert all(i.isascii() and " " not in i and "." not in i for i in ids)
    assert len(coupling_groups(root)) == 4


def test_render_svg_draws_each_state_differently() -> None:
    states = ["needed", "established", "weak", "strained"]
    doc = make_doc([{"kind": "professional", "label": f"P{i}", "panel": "afdelinger"}
                    for i in range(4)], [(0, i + 1, s) for i, s in enumerate(states)])
    root = parse(render_svg(doc))
    styles = {}
    for group in coupling_groups(root):
        mark = next(el for el in group if not el.tag.endswith("title"))
        styles[group.get("data-state")] = (mark.tag.split("}")[1], mark.get("stroke-dasharray"),
                                           mark.get("stroke-width"))
    assert set(styles) == set(states)
    assert len(set(styles.values())) == 4
    assert styles["established"][1] is None  # solid
    assert styles["needed"][1] is not None  # dashed
    assert float(styles["weak"][2]) < float(styles["established"][2])  # thin dotted
    assert styles["strained"][0] == "path"  # zig-zag


def test_render_svg_marks_coordinator_and_its_couplings() -> None:
    root = parse(render_svg(EXAMPLES["claus-nu"]()))
    coord = root.find(f".//{NS}g[@id='actor-koordinator']")
    assert coord is not None and "coordinator" in (coord.get("class") or "").split()
    assert any("KOORDINATOR" in (t.text or "") for t in coord.iter(f"{NS}text"))
    emphasised = [g for g in coupling_groups(root)
                  if "coordinator-coupling" in (g.get("class") or "")]
    assert len(emphasised) == 5
    others = root.findall(f".//{NS}g[@class='actor kind-professional']")
    assert all("KOORDINATOR" not in (t.text or "") for g in others for t in g.iter(f"{NS}text"))


def test_render_svg_legend_explains_every_mark() -> None:
    root = parse(render_svg(EXAMPLES["claus-nu"]()))
    legend = next(g for g in root.iter(f"{NS}g") if g.get("class") == "legend")
    words = " ".join(t.text or "" for t in legend.iter(f"{NS}text"))
    for word in ["Signaturforklaring", "Borgeren", "Aktør", "Koordinator", "etableret",
                 "skal etableres", "svag", "anstrengt", "Koordinatorens koblinger", "Bånd",
                 "tættest på borgeren", "længst fra borgeren"]:
        assert word in words
    for state in ["needed", "established", "weak", "strained"]:
        assert any(g.get("class") == f"legend-{state}" for g in legend.iter(f"{NS}g"))


def test_render_svg_speaks_english() -> None:
    """The library's words come from the one catalogue: none is left in Danish."""
    svg = render_svg(EXAMPLES["prototype-2"](), prototype=2, words=words_for("en"),
                     on=date(2026, 1, 2))
    root = parse(svg)
    assert "Legend" in svg and "DEPARTMENTS" in svg and ">needed<" in svg
    assert "Prototype 2 – difficult problems" in svg and "02.01.2026" in svg
    assert root.get("lang") == "en"
    shown = " ".join(t.text or "" for t in root.iter()) + (root.findtext(f"{NS}desc") or "")
    danish = [*_WORDS.values(), *STATE_NAMES.values(), *PROTOTYPE_NAMES.values()]
    left = [word for word in danish if word != "Prototype"
            and word.split("%", 1)[0].strip() and word.split("%", 1)[0].strip() in shown]
    assert left == []


def test_render_svg_without_date_prints_none() -> None:
    svg = render_svg(EXAMPLES["claus-foer"]())
    assert "Dato" not in svg and "Prototype" not in svg


def test_render_svg_is_byte_identical() -> None:
    doc = EXAMPLES["prototype-3"]()
    assert render_svg(doc, prototype=3) == render_svg(doc, prototype=3)


def test_render_svg_is_identical_across_hash_seeds() -> None:
    code = ("import sys, hashlib; from app.graph.svg import render_svg; "
            "from tests.helpers.documents import make_doc; "
            "from app.graph.examples import prototype_3; "
            "doc = make_doc([{'kind': k, 'label': f'Aktør {i} æøå', 'ring': 1 + i % 3} "
            "for i, k in enumerate(['network', 'volunteer', 'professional', 'organisation'] * 15)],"
            " [(i, i * 7 + 3, s) for i, s in enumerate(['weak', 'needed', 'strained'] * 20)], 3); "
            "print(hashlib.sha256((render_svg(doc) + render_svg(prototype_3())).encode())"
            ".hexdigest())")
    digests = set()
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_render_svg_has_no_network_refs_or_scripts() -> None:
    svg = render_svg(EXAMPLES["prototype-3"]())
    for bad in ("<script", "href", "url(", "@import", "<style", "style=", "<foreignObject"):
        assert bad not in svg
    assert 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"' in svg


def test_render_svg_prefixes_ids() -> None:
    svg = render_svg(EXAMPLES["claus-nu"](), id_prefix="foer-")
    assert 'id="foer-actor-claus"' in svg and 'id="actor-claus"' not in svg


@pytest.mark.parametrize(("prototype", "slots"), [(1, 8), (2, 16), (3, 28)])
def test_render_template_parses_with_slots(prototype: int, slots: int) -> None:
    svg = render_template(prototype)  # type: ignore[arg-type]
    root = parse(svg)
    assert root.get("role") == "img"
    assert len([g for g in root.iter(f"{NS}g") if g.get("class") == "slot"]) == slots
    assert "Borger: ____" in svg and "Dato: ____" in svg
    assert "AFDELINGER" in svg and "Signaturforklaring" in svg
    english = render_template(prototype, words=words_for("en"))  # type: ignore[arg-type]
    assert english.count("Citizen: ____") == 1


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_envelope_frame_draws_the_same_envelope_alone(name: str) -> None:
    """Paper's frame: the same envelope (same group, byte for byte) without the title
    block and the legend, in a drawing that much narrower; deterministic like the page."""
    doc = EXAMPLES[name]()
    page = render_svg(doc, prototype=2, label_scale=1.2)
    alone = render_svg(doc, prototype=2, label_scale=1.2, frame="envelope")
    assert alone == render_svg(doc, prototype=2, label_scale=1.2, frame="envelope")
    ET.fromstring(alone)
    assert 'class="title-block"' not in alone and 'class="legend"' not in alone
    assert 'class="title-block"' in page and 'class="legend"' in page

    def envelope(svg: str) -> str:
        body = svg.split('<g class="envelope"', 1)[1].split(">", 1)[1]
        return body.split('\n<g class="legend"', 1)[0].removesuffix("</svg>\n").strip()

    assert envelope(alone) == envelope(page)

    def width(svg: str) -> float:
        return float(svg.split('width="', 1)[1].split('"', 1)[0])

    assert width(alone) < 0.8 * width(page)
    title, line = title_lines(doc, prototype=2)
    assert title.startswith(doc.label) and "Prototype 2" in title and "Kuvertmodel" in line


def test_legend_svg_is_the_pages_legend() -> None:
    page = render_svg(EXAMPLES["claus-nu"](), words=words_for("en"))
    legend = legend_svg(words=words_for("en"))
    ET.fromstring(legend)
    inner = legend.split(">", 1)[1].rsplit("</svg>", 1)[0].strip()
    assert inner in page and "Legend" in inner
