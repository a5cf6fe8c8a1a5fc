"""Exports of a graph document to the formats other tools open, and GraphML import.

Every export is a pure function of the document: the same document gives the
same bytes, so an export can be cached, diffed and tested. The graph formats go
through networkx's and pydot's own writers rather than hand-written XML, so the
files are what those libraries (and Gephi, yEd, Cytoscape, Graphviz) expect.

All graph exports share one mapping from the document:

* actor ``key`` is the node id; its other fields are node attributes under
  their own names, with ``None`` left out (never written as ``"None"``);
  ``is_coordinator`` (bool) marks the coordinating actor, because formats
  without graph attributes (GEXF, CSV) would otherwise lose it;
* a coupling is an undirected edge with ``state``, ``topic``,
  ``agreements`` and ``index`` (its position in the document); in the XML and
  DOT formats, whose attributes are scalars, the agreements travel as one JSON
  string;
* the case's ``label``, ``target_group`` and ``coordinator`` are graph
  attributes where the format has them.

A coupling is undirected, so networkx stores it without its orientation and
lists edges grouped by node, not in document order: an export may hold
``(b, a)`` for the document's ``(a, b)``, and ``index`` is what restores the
order. The document means the same either way; see :func:`from_graphml` for
what that means for a round trip.
"""

from __future__ import annotations

import csv
import io
import json
import xml.parsers.expat
from collections.abc import Iterable
from datetime import date
from typing import Any, NoReturn
from xml.etree.ElementTree import SubElement

import networkx as nx
import pydot
from networkx.readwrite.gexf import GEXFWriter

from app.graph.document import (
    LIMITS,
    Actor,
    Coupling,
    GraphDocument,
    TargetGroup,
    parse_document,
)
from app.graph.errors import N_, GraphError

__all__ = [
    "ACTOR_COLUMNS",
    "COUPLING_COLUMNS",
    "MAX_IMPORT_BYTES",
    "ImportRefused",
    "actors_csv",
    "couplings_csv",
    "from_graphml",
    "to_cytoscape",
    "to_dot",
    "to_gexf",
    "to_graphml",
    "to_node_link",
]

#: Header of :func:`actors_csv`. Kumu reads ``ID`` (it must be the first column
#: when present) and ``Label``, ``Type``, ``Description``; Gephi's spreadsheet
#: import reads ``Id`` and ``Label`` case-insensitively. Every other column is a
#: custom field in Kumu and an attribute column in Gephi.
ACTOR_COLUMNS: tuple[str, ...] = (
    "ID", "Label", "Type", "Description", "Profession", "Sector", "Organisation",
    "Panel", "Ring", "Contact", "Coordinator",
)

#: Header of :func:`couplings_csv`. Kumu needs ``From`` and ``To`` in the first
#: two columns and, because the actors sheet has IDs, matches them against those
#: IDs (not labels, which need not be unique); Gephi needs ``Source`` and
#: ``Target``. Both pairs hold actor keys. ``Type`` is the coupling state, which
#: is what a Kumu map is styled by.
COUPLING_COLUMNS: tuple[str, ...] = (
    "From", "To", "Source", "Target", "Type", "Direction", "Topic", "Agreements",
)

#: GraphML files larger than this are refused before any parsing. Generous: the
#: largest document Kuvert accepts (LIMITS) is far smaller in practice.
MAX_IMPORT_BYTES = 5_000_000

_NODE_FIELDS = ("kind", "label", "profession", "sector", "organisation", "panel", "ring",
                "contribution", "contact")
_OPTIONAL_TEXT = ("profession", "sector", "organisation", "panel", "contribution", "contact")


class ImportRefused(GraphError):
    """A file to import is not something Kuvert will read (not GraphML, unsafe, too big).

    A file that *is* readable GraphML but breaks a document rule raises
    :class:`~app.graph.errors.DocumentInvalid` instead, with every problem listed.
    """

    code = "invalid_graphml"


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _agreements(coupling: Coupling) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json", exclude_none=True) for a in coupling.agreements]


def _graph(doc: GraphDocument, *, flat: bool) -> nx.Graph:
    """The document as a networkx graph; ``flat`` for formats with scalar attributes only."""
    graph = nx.Graph()
    graph.graph.update(_without_none({
        "label": doc.label, "target_group": doc.target_group, "coordinator": doc.coordinator,
    }))
    for actor in doc.actors:
        attrs = _without_none({name: getattr(actor, name) for name in _NODE_FIELDS})
        attrs["is_coordinator"] = actor.key == doc.coordinator
        graph.add_node(actor.key, **attrs)
    for index, coupling in enumerate(doc.couplings):
        attrs = _without_none({"state": coupling.state, "topic": coupling.topic})
        attrs["index"] = index
        if coupling.agreements:
            agreements = _agreements(coupling)
            attrs["agreements"] = (
                json.dumps(agreements, ensure_ascii=False, separators=(",", ":"))
                if flat else agreements
            )
        graph.add_edge(coupling.source, coupling.target, **attrs)
    return graph


def to_node_link(doc: GraphDocument) -> dict[str, Any]:
    """The document as networkx node-link JSON, edges under ``"links"``.

    ``"links"`` is spelled out because networkx changed its default key to
    ``"edges"``; d3 and older readers expect ``"links"``. Read it back with
    ``networkx.node_link_graph(data, edges="links")``.

    Examples
    --------
    >>> from app.graph.examples import prototype_1
    >>> data = to_node_link(prototype_1())
    >>> data["graph"]
    {'label': 'Maja, 34', 'target_group': 'voksne', 'coordinator': 'job'}
    >>> data["nodes"][0]
    {'kind': 'citizen', 'label': 'Maja', 'is_coordinator': False, 'id': 'maja'}
    >>> data["links"][0]
    {'state': 'established', 'index': 0, 'source': 'maja', 'target': 'job'}
    """
    data: dict[str, Any] = nx.node_link_data(_graph(doc, flat=False), edges="links")
    return data


def to_cytoscape(doc: GraphDocument) -> dict[str, Any]:
    """The document as Cytoscape.js elements JSON (``cy.json()`` / ``cy.add()``).

    Nodes carry ``id`` (the key) and ``label``; edges carry an ``id``
    (``e0``, ``e1``... in document order, which Cytoscape.js needs to address an
    edge), ``source``, ``target`` and ``state``. Graph attributes are under
    ``"data"`` as an object, as ``cy.json()`` writes them (networkx writes a list
    of pairs; ``networkx.cytoscape_graph`` reads either).

    Examples
    --------
    >>> from app.graph.examples import prototype_1
    >>> data = to_cytoscape(prototype_1())
    >>> data["elements"]["nodes"][0]["data"]["label"]
    'Maja'
    >>> edge = data["elements"]["edges"][0]["data"]
    >>> edge["id"], edge["source"], edge["target"], edge["state"]
    ('e0', 'maja', 'job', 'established')
    """
    graph = _graph(doc, flat=False)
    data: dict[str, Any] = nx.cytoscape_data(graph, name="label")
    data["data"] = dict(graph.graph)
    for edge in data["elements"]["edges"]:
        edge["data"] = {"id": f"e{edge['data']['index']}", **edge["data"]}
    return data


def to_graphml(doc: GraphDocument) -> bytes:
    """The document as GraphML (UTF-8), attributes declared as typed ``<key>``s.

    Read by networkx, igraph, Gephi and yEd; :func:`from_graphml` reads it back.

    Examples
    --------
    >>> from app.graph.examples import prototype_1
    >>> data = to_graphml(prototype_1())
    >>> data.startswith(b"<?xml") and b'attr.name="ring" attr.type="long"' in data
    True
    >>> b"None" in data
    False
    """
    buffer = io.BytesIO()
    nx.write_graphml_xml(_graph(doc, flat=True), buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


def to_gexf(doc: GraphDocument, *, modified: date | None = None) -> bytes:
    """The document as GEXF 1.2 (UTF-8), the format Gephi prefers.

    GEXF has no graph attributes, so the case label is the ``<meta>``
    description (and the graph's ``name``), the target group a ``<meta>``
    keyword, and the coordinator the ``is_coordinator`` node attribute.
    networkx stamps ``lastmodifieddate`` with today's date, which would make
    the file differ from day to day; it is written only when ``modified`` is
    given, so the same document gives the same bytes.

    Examples
    --------
    >>> from app.graph.examples import prototype_1
    >>> data = to_gexf(prototype_1())
    >>> b'<description>Maja, 34</description>' in data, b"lastmodifieddate" in data
    (True, False)
    >>> b'lastmodifieddate="2026-03-12"' in to_gexf(prototype_1(), modified=date(2026, 3, 12))
    True
    """
    graph = _graph(doc, flat=True)
    graph.graph = {"name": doc.label}
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    meta = writer.xml.find("meta")
    assert meta is not None  # GEXFWriter always writes one
    if modified is None:
        meta.attrib.pop("lastmodifieddate", None)
    else:
        meta.set("lastmodifieddate", modified.isoformat())
    creator = meta.find("creator")
    if creator is not None:
        creator.text = "Kuvert"
    SubElement(meta, "keywords").text = f"Kuvertmodel, {doc.target_group}"
    SubElement(meta, "description").text = doc.label
    writer.add_graph(graph)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _dot_string(text: str) -> str:
    """A DOT double-quoted string that Graphviz and pydot both read back as ``text``.

    Backslash is doubled (Graphviz would otherwise read ``\\N``, ``\\l``... as
    escapes), quotes are escaped, a newline becomes Graphviz's ``\\n``. Quoting
    everything also keeps a key such as ``graph`` or ``node`` from being read
    as a keyword, and a label such as ``<b>`` from being read as an HTML label.
    """
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))
    return f'"{escaped}"'


_DOT_EDGE_STYLE = {"needed": "dashed", "established": "solid", "weak": "dotted",
                   "strained": "bold"}


def to_dot(doc: GraphDocument) -> str:
    """The document as a Graphviz DOT graph, every id and value quoted.

    The attributes carry the data under the same names as the other formats;
    ``style`` (dashed = needed, dotted = weak, bold = strained) and the
    coordinator's ``penwidth`` only make a quick ``dot -Tsvg`` readable.

    Examples
    --------
    >>> from app.graph.examples import prototype_1
    >>> print(to_dot(prototype_1()).splitlines()[4])
    "maja" [kind="citizen", label="Maja", is_coordinator="false"];
    """
    dot = pydot.Dot(_dot_string("kuvert"), graph_type="graph")
    graph_attrs = _without_none({
        "label": doc.label, "target_group": doc.target_group, "coordinator": doc.coordinator,
    })
    for name, value in graph_attrs.items():
        dot.set(name, _dot_string(value))
    for actor in doc.actors:
        attrs: dict[str, Any] = {
            name: _dot_string(str(value)) for name, value in _actor_fields(actor)}
        attrs["is_coordinator"] = _dot_string("true" if actor.key == doc.coordinator else "false")
        if actor.key == doc.coordinator:
            attrs["penwidth"] = _dot_string("2")
        dot.add_node(pydot.Node(_dot_string(actor.key), **attrs))
    for coupling in doc.couplings:
        edge: dict[str, Any] = {"state": _dot_string(coupling.state),
                                "style": _dot_string(_DOT_EDGE_STYLE[coupling.state])}
        if coupling.topic is not None:
            edge["topic"] = _dot_string(coupling.topic)
        if coupling.agreements:
            edge["agreements"] = _dot_string(json.dumps(
                _agreements(coupling), ensure_ascii=False, separators=(",", ":")))
        dot.add_edge(pydot.Edge(_dot_string(coupling.source), _dot_string(coupling.target),
                                **edge))
    text: str = dot.to_string()
    return text


def _actor_fields(actor: Actor) -> Iterable[tuple[str, Any]]:
    for name in _NODE_FIELDS:
        value = getattr(actor, name)
        if value is not None:
            yield name, value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """One CSV cell, defused against formula injection.

    A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@``
    (and tab/CR, which some strip first) as a formula, so a label such as
    ``=HYPERLINK(...)`` could act when a colleague opens the file. Such a
    cell gets a leading apostrophe, which spreadsheets read as "text" and
    Kumu/Gephi show as is. Keys can start with ``-`` too; they are defused the
    same way in every column, so ID, From/To and Source/Target still match.
    """
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(header: tuple[str, ...], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def actors_csv(doc: GraphDocument) -> str:
    """The actors as a CSV sheet for Kumu (elements) and Gephi (nodes table).

    Columns are :data:`ACTOR_COLUMNS`: the key as ``ID``, the kind as
    ``Type``, the contribution as ``Description`` (Kumu's profile text),
    ``Coordinator`` as ``true``/``false``. The text is UTF-8 without a byte
    order mark (a BOM would hide Gephi's ``Id`` column), rows end in CRLF as
    RFC 4180 says, and cells are defused against formula injection (see
    :func:`_cell`).

    Examples
    --------
    >>> from app.graph.examples import prototype_1
    >>> print(actors_csv(prototype_1()).splitlines()[1])
    maja,Maja,citizen,,,,,,,,false
    """
    return _csv(ACTOR_COLUMNS, (
        (a.key, a.label, a.kind, a.contribution, a.profession, a.sector, a.organisation,
         a.panel, a.ring, a.contact, "true" if a.key == doc.coordinator else "false")
        for a in doc.actors
    ))


def couplings_csv(doc: GraphDocument) -> str:
    """The couplings as a CSV sheet for Kumu (connections) and Gephi (edges table).

    Columns are :data:`COUPLING_COLUMNS`. ``From``/``To`` and
    ``Source``/``Target`` hold the same actor keys: Kumu wants the first pair
    in the first two columns, Gephi the second. ``Type`` is the state (Kumu's
    connection type, the natural thing to style by) and ``Direction`` is
    ``undirected`` for Kumu. Gephi reads a ``Type`` that is not
    ``Undirected`` as a directed edge, so choose "Undirected" as graph type in
    Gephi's import report. ``Agreements`` lists "who: what (due)" separated
    by ``|``, Kumu's separator for several values in one field.

    Examples
    --------
    >>> from app.graph.examples import claus_nu
    >>> row = couplings_csv(claus_nu()).splitlines()[5].split(",")
    >>> row[:6]
    ['koordinator', 'uu', 'koordinator', 'uu', 'established', 'undirected']
    >>> row[6:]
    ['Fælles uddannelsesplan', 'uu: Finder et brobygningsforløb (2026-12-15)']
    """
    return _csv(COUPLING_COLUMNS, (
        (c.source, c.target, c.source, c.target, c.state, "undirected", c.topic,
         "|".join(f"{a.who}: {a.what}" + (f" ({a.due.isoformat()})" if a.due else "")
                  for a in c.agreements))
        for c in doc.couplings
    ))


# --- GraphML import --------------------------------------------------------------------


def _refuse(message: str, **params: object) -> NoReturn:
    """Raise :class:`ImportRefused`; a parser's own traceback would only confuse the log."""
    raise ImportRefused(message, **params) from None


def _vet_xml(data: bytes) -> None:
    """Refuse anything but plain, well-formed XML before networkx parses it.

    networkx parses with ``xml.etree``, which in Python 3.11 resolves no
    external entities but does expand internal ones, so a "billion laughs"
    file could exhaust memory. defusedxml is not a dependency; instead the
    bytes are first run through expat (the same parser, so the same view of
    the encoding) with a handler that stops at any DOCTYPE. GraphML never
    needs one, and without a DOCTYPE there are no entities to expand.
    """

    def refuse_doctype(*_: object) -> None:
        _refuse(N_("Filen indeholder en DOCTYPE-erklæring. Af sikkerhedshensyn læser Kuvert "
                   "kun GraphML uden DOCTYPE og entiteter."))

    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        _refuse(N_("Filen er ikke gyldig XML (linje %(line)s, kolonne %(column)s)."),
                line=exc.lineno, column=exc.offset)


def _text(value: Any) -> Any:
    """Foreign files may type a text attribute as a number; the document wants text."""
    if isinstance(value, bool | int | float):
        return str(value)
    return value


def _ring(value: Any) -> Any:
    """Gephi and igraph write numbers as doubles, so ``2.0`` is ring 2."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def from_graphml(
    data: bytes,
    *,
    label: str = "Importeret netværk",
    target_group: TargetGroup | None = None,
) -> GraphDocument:
    """Read a GraphML file into a document, checked by every document rule.

    Our own :func:`to_graphml` files come back with all fields. A foreign file
    needs only nodes and edges: a node without ``label`` is labelled by its
    id, without ``kind`` it is a professional, an edge without ``state`` is
    needed; unknown attributes (positions, colours, weights) are ignored.
    ``label`` and ``target_group`` fill in a file without those graph
    attributes; the target group is not guessed, so without it the document
    is invalid and the caller can ask for it. The coordinator is the graph's
    ``coordinator`` attribute, else the node marked ``is_coordinator``.

    Couplings come back in ``index`` order when every edge has one (our
    files), else in the order networkx reads them. Each comes back oriented
    as networkx stores it, the earlier actor first, which may be the reverse
    of the original document's (see the module notes); everything else,
    agreements included, comes back equal.

    Raises
    ------
    ImportRefused
        Too big, not well-formed XML, a DOCTYPE (entity expansion), not
        GraphML, agreements that are not JSON, too many nodes or edges.
    DocumentInvalid
        Readable GraphML that breaks a document rule (no citizen, unknown
        kind, a CPR number...), with every problem listed.

    Examples
    --------
    >>> from app.graph.examples import prototype_1
    >>> doc = from_graphml(to_graphml(prototype_1()))
    >>> doc.label, doc.coordinator, [a.key for a in doc.actors]
    ('Maja, 34', 'job', ['maja', 'job', 'mentor', 'soester'])
    >>> from_graphml(b"<graphml><graph>")
    Traceback (most recent call last):
    ...
    app.graph.export.ImportRefused: Filen er ikke gyldig XML (linje 1, kolonne 16).
    """
    if len(data) > MAX_IMPORT_BYTES:
        _refuse(N_("Filen er for stor (%(size)s MB); højst %(most)s MB kan importeres."),
                size=f"{len(data) / 1e6:.1f}", most=f"{MAX_IMPORT_BYTES / 1e6:.0f}")
    _vet_xml(data)
    try:
        graph = nx.parse_graphml(data)
    except (nx.NetworkXError, ValueError, KeyError, TypeError, AttributeError):
        _refuse(N_("Filen kunne ikke læses som GraphML (kun simple grafer med knuder og "
                   "kanter understøttes)."))
    if graph.number_of_nodes() > LIMITS.actors:
        _refuse(N_("Filen har %(n)s aktører; højst %(most)s kan importeres."),
                n=graph.number_of_nodes(), most=LIMITS.actors)
    if graph.number_of_edges() > LIMITS.couplings:
        _refuse(N_("Filen har %(n)s koblinger; højst %(most)s kan importeres."),
                n=graph.number_of_edges(), most=LIMITS.couplings)

    actors: list[dict[str, Any]] = []
    marked: list[str] = []
    for node, attrs in graph.nodes(data=True):
        key = str(node)
        actor: dict[str, Any] = {"key": key, "kind": attrs.get("kind", "professional"),
                                 "label": _text(attrs.get("label", key))}
        for name in _OPTIONAL_TEXT:
            if attrs.get(name) is not None:
                actor[name] = _text(attrs[name])
        if attrs.get("ring") is not None:
            actor["ring"] = _ring(attrs["ring"])
        if attrs.get("is_coordinator") is True:
            marked.append(key)
        actors.append(actor)

    edges = list(graph.edges(data=True))
    if all(isinstance(attrs.get("index"), int) for _, _, attrs in edges):
        edges.sort(key=lambda edge: int(edge[2]["index"]))
    couplings: list[dict[str, Any]] = []
    for source, target, attrs in edges:
        coupling: dict[str, Any] = {"source": str(source), "target": str(target)}
        if attrs.get("state") is not None:
            coupling["state"] = attrs["state"]
        if attrs.get("topic") is not None:
            coupling["topic"] = _text(attrs["topic"])
        if attrs.get("agreements") is not None:
            try:
                coupling["agreements"] = json.loads(attrs["agreements"])
            except (TypeError, ValueError, RecursionError):  # [[[[… nested past any use
                _refuse(N_("Aftalerne på koblingen %(source)s–%(target)s er ikke gyldig JSON."),
                        source=source, target=target)
        couplings.append(coupling)

    coordinator = graph.graph.get("coordinator")
    if coordinator is None and marked:
        coordinator = marked[0]
    document = {
        "label": _text(graph.graph.get("label", label)),
        "target_group": graph.graph.get("target_group", target_group),
        "actors": actors,
        "couplings": couplings,
        "coordinator": coordinator,
    }
    return parse_document(document)
