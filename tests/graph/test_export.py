"""Exports are read back by consumers we did not write; GraphML import is safe and complete."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import igraph
import networkx as nx
import pydot
import pytest

from app.graph import examples
from app.graph.document import GraphDocument, parse_document
from app.graph.errors import DocumentInvalid, GraphError
from app.graph.export import (
    ACTOR_COLUMNS,
    COUPLING_COLUMNS,
    MAX_IMPORT_BYTES,
    ImportRefused,
    actors_csv,
    couplings_csv,
    from_graphml,
    to_cytoscape,
    to_dot,
    to_gexf,
    to_graphml,
    to_node_link,
)

HOSTILE_LABEL = 'Anna "A" back\\slash\\ <script>alert(1)</script> æøå ÆØÅ'


def hostile() -> GraphDocument:
    """Everything a naive exporter gets wrong: quotes, backslashes, markup, keywords as
    keys, a key starting with "-", formula-like text, newlines, agreements."""
    return parse_document({
        "label": 'Sag "x" <b>æøå</b>',
        "target_group": "familie",
        "actors": [
            {"key": "borger", "kind": "citizen", "label": HOSTILE_LABEL,
             "contribution": "Linje 1\nLinje 2 \\n ikke en ny linje"},
            {"key": "graph", "kind": "professional", "label": "=HYPERLINK(\"http://x\")",
             "profession": "+Fag", "sector": "social", "ring": 3, "panel": "afdelinger"},
            {"key": "node", "kind": "network", "label": "@Mor", "ring": 1,
             "contact": "-12 34 56 78"},
            {"key": "-x", "kind": "volunteer", "label": "Ven æ"},
        ],
        "couplings": [
            {"source": "graph", "target": "borger", "state": "strained",
             "topic": 'Emne "citat" <script>x</script> æøå ÆØÅ \\', "agreements": [
                 {"who": "graph", "what": "Ringer <i>mandag</i> æ", "due": "2026-01-31"},
                 {"who": "node", "what": "Deltager"},
             ]},
            {"source": "borger", "target": "-x", "state": "weak"},
            {"source": "node", "target": "graph"},
        ],
        "coordinator": "graph",
    })


DOCS: dict[str, Callable[[], GraphDocument]] = {**examples.EXAMPLES, "hostile": hostile}
EXPORTS: dict[str, Callable[[GraphDocument], Any]] = {
    "node-link": to_node_link, "cytoscape": to_cytoscape, "graphml": to_graphml,
    "gexf": to_gexf, "dot": to_dot, "actors-csv": actors_csv, "couplings-csv": couplings_csv,
}


@pytest.fixture(params=list(DOCS))
def doc(request: pytest.FixtureRequest) -> GraphDocument:
    return DOCS[request.param]()


def _pairs(doc: GraphDocument) -> dict[frozenset[str], tuple[str, str | None]]:
    return {c.pair: (c.state, c.topic) for c in doc.couplings}


def _node_attrs(doc: GraphDocument) -> dict[str, dict[str, Any]]:
    """What every graph format should carry per node: the actor's set fields."""
    return {a.key: a.model_dump(exclude={"key"}, exclude_none=True) for a in doc.actors}


def _check_networkx(graph: nx.Graph, doc: GraphDocument) -> None:
    assert not graph.is_directed()
    assert list(graph.nodes) == [a.key for a in doc.actors]
    for key, expected in _node_attrs(doc).items():
        attrs = graph.nodes[key]
        for name, value in expected.items():
            assert attrs[name] == value, (key, name)
        assert attrs["is_coordinator"] is (key == doc.coordinator)
        assert "None" not in {str(v) for v in attrs.values()}
    assert {frozenset((u, v)): (d["state"], d.get("topic"))
            for u, v, d in graph.edges(data=True)} == _pairs(doc)


# --- node-link and Cytoscape.js ---------------------------------------------------------


def test_to_node_link_reads_back_with_networkx(doc: GraphDocument) -> None:
    data = json.loads(json.dumps(to_node_link(doc)))  # must be plain JSON
    assert "links" in data and "edges" not in data
    graph = nx.node_link_graph(data, edges="links")
    _check_networkx(graph, doc)
    assert graph.graph == {k: v for k, v in {"label": doc.label, "target_group": doc.target_group,
                           "coordinator": doc.coordinator}.items() if v is not None}
    for coupling in doc.couplings:
        edge = graph.edges[coupling.source, coupling.target]
        assert edge.get("agreements", []) == [
            a.model_dump(mode="json", exclude_none=True) for a in coupling.agreements]


def test_to_cytoscape_reads_back_with_networkx(doc: GraphDocument) -> None:
    data = json.loads(json.dumps(to_cytoscape(doc)))
    graph = nx.cytoscape_graph(data)
    _check_networkx(graph, doc)
    assert graph.graph["label"] == doc.label


def test_to_cytoscape_has_the_shape_cytoscape_js_expects(doc: GraphDocument) -> None:
    data = to_cytoscape(doc)
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    assert [(n["data"]["id"], n["data"]["label"]) for n in nodes] == [
        (a.key, a.label) for a in doc.actors]
    ids = [e["data"]["id"] for e in edges]
    assert sorted(ids) == sorted(f"e{i}" for i in range(len(doc.couplings)))
    node_ids = {n["data"]["id"] for n in nodes}
    for edge in edges:
        fields = edge["data"]
        coupling = doc.couplings[int(fields["id"][1:])]
        assert frozenset((fields["source"], fields["target"])) == coupling.pair
        assert fields["state"] == coupling.state
        assert {fields["source"], fields["target"]} <= node_ids
    assert isinstance(data["data"], dict)


# --- GraphML and GEXF -------------------------------------------------------------------


def test_to_graphml_reads_back_with_networkx(doc: GraphDocument) -> None:
    graph = nx.parse_graphml(to_graphml(doc))
    _check_networkx(graph, doc)
    assert graph.graph["label"] == doc.label
    assert graph.graph["target_group"] == doc.target_group
    assert graph.graph.get("coordinator") == doc.coordinator


def test_to_graphml_reads_back_with_igraph(doc: GraphDocument, tmp_path: Path) -> None:
    path = tmp_path / "kuvert.graphml"
    path.write_bytes(to_graphml(doc))
    graph = igraph.Graph.Read_GraphML(str(path))
    assert not graph.is_directed()
    assert graph.vs["id"] == [a.key for a in doc.actors]
    assert graph.vs["label"] == [a.label for a in doc.actors]
    assert graph.vs["kind"] == [a.kind for a in doc.actors]
    rings = [None if r != r else int(r) for r in graph.vs["ring"]]  # NaN = missing
    assert rings == [a.ring for a in doc.actors]
    assert graph.vs["is_coordinator"] == [a.key == doc.coordinator for a in doc.actors]
    assert graph["label"] == doc.label and graph["target_group"] == doc.target_group
    keys = graph.vs["id"]
    found = {frozenset((keys[e.source], keys[e.target])):
             (e["state"], e.attributes().get("topic") or None) for e in graph.es}
    assert found == _pairs(doc)


def test_to_graphml_declares_typed_keys_and_omits_none() -> None:
    data = to_graphml(examples.claus_nu())
    root = ET.fromstring(data)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {(k.get("for"), k.get("attr.name")): k.get("attr.type")
            for k in root.findall("g:key", ns)}
    assert keys[("node", "ring")] in ("int", "long")
    assert keys[("node", "is_coordinator")] == "boolean"
    assert keys[("node", "label")] == "string"
    assert keys[("edge", "state")] == "string"
    assert keys[("graph", "label")] == keys[("graph", "target_group")] == "string"
    assert b">None<" not in data


def test_to_gexf_reads_back_with_networkx(doc: GraphDocument) -> None:
    graph = nx.read_gexf(io.BytesIO(to_gexf(doc)))
    _check_networkx(graph, doc)


GEXF_NS = "http://www.gexf.net/1.2draft"


def test_to_gexf_is_gexf_by_namespace(doc: GraphDocument) -> None:
    """igraph has no GEXF reader (Graph.Read knows GraphML, GML, Pajek...), so the second
    reader is plain xml.etree against the GEXF 1.2 namespace."""
    assert not hasattr(igraph.Graph, "Read_GEXF")
    root = ET.fromstring(to_gexf(doc))
    ns = {"x": GEXF_NS}
    assert root.tag == f"{{{GEXF_NS}}}gexf" and root.get("version") == "1.2"
    graph = root.find("x:graph", ns)
    assert graph is not None and graph.get("defaultedgetype") == "undirected"
    nodes = graph.findall("x:nodes/x:node", ns)
    assert [(n.get("id"), n.get("label")) for n in nodes] == [
        (a.key, a.label) for a in doc.actors]
    titles = {a.get("id"): a.get("title") for a in graph.findall("x:attributes/x:attribute", ns)}
    state = next(i for i, t in titles.items() if t == "state")
    edges = graph.findall("x:edges/x:edge", ns)
    found = {frozenset((e.get("source"), e.get("target"))): e.find(
        f"x:attvalues/x:attvalue[@for='{state}']", ns).get("value")  # type: ignore[union-attr]
        for e in edges}
    assert found == {c.pair: c.state for c in doc.couplings}
    assert root.findtext("x:meta/x:description", namespaces=ns) == doc.label
    assert "None" not in {v.get("value") for v in graph.iter(f"{{{GEXF_NS}}}attvalue")}


# --- DOT --------------------------------------------------------------------------------


def _undot(value: str) -> str:
    """Read a DOT quoted string back: strip the quotes, undo \\", \\\\ and \\n."""
    assert value.startswith('"') and value.endswith('"'), value
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value[1:-1])


def test_to_dot_reads_back_with_pydot(doc: GraphDocument) -> None:
    graphs = pydot.graph_from_dot_data(to_dot(doc))
    assert graphs is not None and len(graphs) == 1
    graph = graphs[0]
    assert graph.get_type() == "graph"
    assert _undot(graph.get_attributes()["label"]) == doc.label
    nodes = {_undot(n.get_name()): n.get_attributes() for n in graph.get_nodes()}
    assert list(nodes) == [a.key for a in doc.actors]
    for key, expected in _node_attrs(doc).items():
        assert {name: _undot(nodes[key][name]) for name in expected} == {
            name: str(value) for name, value in expected.items()}
    found = {frozenset((_undot(str(e.get_source())), _undot(str(e.get_destination())))):
             (_undot(str(e.get("state"))), _undot(str(e.get("topic"))) if e.get("topic") else None)
             for e in graph.get_edges()}
    assert found == _pairs(doc)


def test_to_dot_quotes_keywords_and_markup() -> None:
    text = to_dot(hostile())
    assert '"graph" [' in text and '"node" [' in text  # not graph/node defaults
    assert "<script>" in text and "label=<" not in text  # never an HTML-like label
    assert "None" not in text


# --- CSV --------------------------------------------------------------------------------


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _undefuse(cell: str) -> str:
    return cell[1:] if cell[:2] in ("'=", "'+", "'-", "'@") else cell


def test_actors_csv_has_kumu_and_gephi_columns(doc: GraphDocument) -> None:
    text = actors_csv(doc)
    assert text.splitlines()[0] == ",".join(ACTOR_COLUMNS)
    assert ACTOR_COLUMNS[:2] == ("ID", "Label")  # Kumu: ID first, then Label
    rows = _read_csv(text)
    assert [_undefuse(r["ID"]) for r in rows] == [a.key for a in doc.actors]
    assert [_undefuse(r["Label"]) for r in rows] == [a.label for a in doc.actors]
    assert [r["Type"] for r in rows] == [a.kind for a in doc.actors]
    assert [r["Ring"] for r in rows] == [str(a.ring) if a.ring else "" for a in doc.actors]
    assert [r["Description"] for r in rows] == [a.contribution or "" for a in doc.actors]
    assert [r["Coordinator"] == "true" for r in rows] == [
        a.key == doc.coordinator for a in doc.actors]


def test_couplings_csv_has_kumu_and_gephi_columns(doc: GraphDocument) -> None:
    text = couplings_csv(doc)
    assert text.splitlines()[0] == ",".join(COUPLING_COLUMNS)
    assert COUPLING_COLUMNS[:2] == ("From", "To")  # Kumu: From, To first
    rows = _read_csv(text)
    ids = {r["ID"] for r in _read_csv(actors_csv(doc))}
    for row, coupling in zip(rows, doc.couplings, strict=True):
        assert (row["From"], row["To"]) == (row["Source"], row["Target"])
        assert {row["From"], row["To"]} <= ids  # matches the actors sheet's IDs
        assert frozenset(map(_undefuse, (row["From"], row["To"]))) == coupling.pair
        assert row["Type"] == coupling.state
        assert row["Direction"] == "undirected"
        assert row["Topic"] == (coupling.topic or "")
        assert len(row["Agreements"].split("|")) == len(coupling.agreements) or (
            not coupling.agreements and row["Agreements"] == "")


def test_csv_defuses_formulas() -> None:
    actors = {r["ID"]: r for r in _read_csv(actors_csv(hostile()))}
    assert actors["graph"]["Label"] == "'=HYPERLINK(\"http://x\")"
    assert actors["graph"]["Profession"] == "'+Fag"
    assert actors["node"]["Label"] == "'@Mor"
    assert actors["node"]["Contact"] == "'-12 34 56 78"
    assert "'-x" in actors  # a key is defused in every column alike
    couplings = _read_csv(couplings_csv(hostile()))
    assert (couplings[1]["From"], couplings[1]["To"]) == ("borger", "'-x")


def test_csv_keeps_newlines_and_quotes_inside_cells() -> None:
    rows = _read_csv(actors_csv(hostile()))
    assert rows[0]["Label"] == HOSTILE_LABEL
    assert rows[0]["Description"] == "Linje 1\nLinje 2 \\n ikke en ny linje"


# --- Every export ------------------------------------------------------------------------


@pytest.mark.parametrize("export", list(EXPORTS))
def test_export_is_deterministic(export: str, doc: GraphDocument) -> None:
    first, second = EXPORTS[export](doc), EXPORTS[export](parse_document(doc.model_dump()))
    assert first == second


@pytest.mark.parametrize("export", list(EXPORTS))
def test_export_keeps_danish_letters_and_markup(export: str) -> None:
    result = EXPORTS[export](hostile())
    text = json.dumps(result, ensure_ascii=False) if isinstance(result, dict) else (
        result.decode("utf-8") if isinstance(result, bytes) else result)
    assert "æøå" in text and "ÆØÅ" in text
    assert "script" in text


# --- GraphML round trip ------------------------------------------------------------------


def canonical(doc: GraphDocument) -> GraphDocument:
    """``doc`` with each coupling oriented earlier actor first, as networkx stores it."""
    order = {a.key: i for i, a in enumerate(doc.actors)}
    data = doc.model_dump()
    for coupling in data["couplings"]:
        if order[coupling["source"]] > order[coupling["target"]]:
            coupling["source"], coupling["target"] = coupling["target"], coupling["source"]
    return parse_document(data)


def test_from_graphml_round_trips(doc: GraphDocument) -> None:
    back = from_graphml(to_graphml(doc))
    assert back == canonical(doc)
    assert back.actors == doc.actors
    assert [c.agreements for c in back.couplings] == [c.agreements for c in doc.couplings]
    assert (back.label, back.target_group, back.coordinator) == (
        doc.label, doc.target_group, doc.coordinator)


def test_from_graphml_round_trip_is_a_fixed_point(doc: GraphDocument) -> None:
    once = from_graphml(to_graphml(doc))
    assert from_graphml(to_graphml(once)) == once
    assert to_graphml(once) == to_graphml(from_graphml(to_graphml(once)))


def test_from_graphml_keeps_document_order_of_couplings() -> None:
    doc = examples.prototype_3()
    back = from_graphml(to_graphml(doc))
    assert [c.pair for c in back.couplings] == [c.pair for c in doc.couplings]


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="k0" for="node" attr.name="label" attr.type="string"/>
  <key id="k1" for="node" attr.name="kind" attr.type="string"/>
  <key id="k2" for="node" attr.name="ring" attr.type="double"/>
  <key id="k3" for="node" attr.name="x" attr.type="double"/>
  <key id="k4" for="edge" attr.name="weight" attr.type="double"/>
  <key id="k5" for="edge" attr.name="state" attr.type="string"/>
  <key id="k6" for="node" attr.name="sector" attr.type="int"/>
  <graph id="G" edgedefault="undirected">
    <node id="n0"><data key="k0">Borger Ø</data><data key="k1">citizen</data></node>
    <node id="n1"><data key="k0">Sagsbehandler</data><data key="k2">2.0</data>
      <data key="k3">12.5</data><data key="k6">7</data></node>
    <node id="n2"/>
    <edge source="n0" target="n1"><data key="k4">1.0</data></edge>
    <edge source="n1" target="n2"><data key="k5">weak</data></edge>
  </graph>
</graphml>"""


def test_from_graphml_reads_a_foreign_file_with_defaults() -> None:
    doc = from_graphml(FOREIGN.encode(), target_group="voksne")
    assert doc.label == "Importeret netværk"
    assert [(a.key, a.kind, a.label) for a in doc.actors] == [
        ("n0", "citizen", "Borger Ø"), ("n1", "professional", "Sagsbehandler"),
        ("n2", "professional", "n2")]
    assert doc.actors[1].ring == 2 and doc.actors[1].sector == "7"
    assert [(c.pair, c.state) for c in doc.couplings] == [
        (frozenset({"n0", "n1"}), "needed"), (frozenset({"n1", "n2"}), "weak")]
    assert doc.coordinator is None


def test_from_graphml_does_not_guess_the_target_group() -> None:
    with pytest.raises(DocumentInvalid) as caught:
        from_graphml(FOREIGN.encode())
    assert [p.field for p in caught.value.problems] == ["target_group"]


def test_from_graphml_applies_document_rules() -> None:
    text = FOREIGN.replace("<data key=\"k1\">citizen</data>", "")
    with pytest.raises(DocumentInvalid) as caught:
        from_graphml(text.encode(), target_group="voksne")
    assert caught.value.problems[0].code == "citizen_count"
    cpr = FOREIGN.replace("Sagsbehandler", "Hans 010203-1234")
    with pytest.raises(DocumentInvalid) as caught:
        from_graphml(cpr.encode(), target_group="voksne")
    assert caught.value.problems[0].code == "cpr_number"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected">
<node id="a"><data key="d0">&lol9;</data></node></graph></graphml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE graphml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph>
<node id="a"><data key="d0">&xxe;</data></node></graph></graphml>"""


@pytest.mark.parametrize("data", [
    pytest.param(BILLION_LAUGHS, id="billion-laughs"),
    pytest.param(EXTERNAL_ENTITY, id="external-entity"),
    pytest.param(BILLION_LAUGHS.decode().replace('<?xml version="1.0"?>', "")
                 .encode("utf-16"), id="utf-16-doctype"),
    pytest.param(b'<!DOCTYPE graphml SYSTEM "http://example.org/x.dtd"><graphml/>',
                 id="external-dtd"),
    pytest.param(b"<graphml><graph><node id='a'></graph>", id="malformed"),
    pytest.param(b"", id="empty"),
    pytest.param(b"\x89PNG\r\n\x1a\n", id="binary"),
    pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"/>', id="not-graphml"),
    pytest.param(b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph>'
                 b'<node id="a"/><node id="b"/><hyperedge><endpoint node="a"/>'
                 b'<endpoint node="b"/></hyperedge></graph></graphml>', id="hyperedge"),
    pytest.param(to_graphml(examples.claus_nu()).replace(b'"who"', b'who'),
                 id="agreements-not-json"),
])
def test_from_graphml_refuses_hostile_or_broken_files(data: bytes) -> None:
    with pytest.raises(ImportRefused) as caught:
        from_graphml(data, target_group="voksne")
    assert isinstance(caught.value, GraphError)
    assert caught.value.code == "invalid_graphml"
    assert re.search(r"[æøå]|Filen|Aftalerne", caught.value.message)


def test_from_graphml_refuses_doctype_in_danish() -> None:
    with pytest.raises(ImportRefused, match="DOCTYPE"):
        from_graphml(BILLION_LAUGHS)


def test_from_graphml_refuses_a_huge_file_before_parsing() -> None:
    with pytest.raises(ImportRefused, match="for stor"):
        from_graphml(b" " * (MAX_IMPORT_BYTES + 1))


def test_from_graphml_refuses_too_many_nodes() -> None:
    nodes = "".join(f'<node id="n{i}"/>' for i in range(501))
    data = (f'<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
            f'<graph edgedefault="undirected">{nodes}</graph></graphml>').encode()
    with pytest.raises(ImportRefused, match="højst 500"):
        from_graphml(data, target_group="voksne")
