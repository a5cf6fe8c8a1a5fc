"""Turn a graph document into a networkx graph, the shape the analysis works on."""

from __future__ import annotations

import networkx as nx

from app.graph.document import GraphDocument

__all__ = ["to_networkx"]


def to_networkx(doc: GraphDocument) -> nx.Graph:
    """The document as an undirected networkx graph, built the same way every time.

    Couplings are undirected in the model (``(a, b)`` is ``(b, a)``), so a plain
    :class:`networkx.Graph` fits. Every actor field is kept on its node, so that
    exports and layouts can work from the graph alone; the document's label,
    target group and coordinator go on ``graph.graph``.

    Parameters
    ----------
    doc : GraphDocument
        A validated document; its rules guarantee unique keys and couplings between
        known actors, so nothing here needs checking again.

    Returns
    -------
    networkx.Graph
        Nodes keyed by actor key, inserted in document order, with every actor
        field (``None`` for fields left empty) as an attribute. One edge per
        coupling, inserted in document order, with ``state``, ``topic`` and
        ``index`` (the coupling's position in ``doc.couplings``).

    Notes
    -----
    networkx reports ``G.edges`` grouped by their first node, which is not always
    document order; sort by the ``index`` attribute when the order matters.
    Time and memory are linear in the number of actors and couplings.

    Examples
    --------
    >>> from app.graph.examples import claus_foer
    >>> G = to_networkx(claus_foer())
    >>> list(G.nodes)
    ['claus', 'uu', 'ydelse', 'rusmiddel', 'forsorg']
    >>> G.nodes["uu"]["profession"], G.nodes["claus"]["profession"]
    ('UU-vejleder', None)
    >>> G.edges["ydelse", "uu"]["state"]
    'needed'
    >>> G.graph["coordinator"] is None
    True
    """
    graph = nx.Graph(
        label=doc.label, target_group=doc.target_group, coordinator=doc.coordinator
    )
    for actor in doc.actors:
        graph.add_node(actor.key, **actor.model_dump())
    for index, coupling in enumerate(doc.couplings):
        graph.add_edge(
            coupling.source,
            coupling.target,
            state=coupling.state,
            topic=coupling.topic,
            index=index,
        )
    return graph
