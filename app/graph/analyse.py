"""Warnings, brokers, coupling load and key figures for a citizen's network.

The analysis answers the questions of the Kuvertmodel's koblingskompetencer: who
must couple with whom, whether somebody holds it together, and above all whether
the citizen has been left to do it.

Two graphs are used. *All couplings* are the document's couplings whatever their
state. *Existing couplings* are those in state ``established``, ``weak`` or
``strained``: people who do talk, however badly; a ``needed`` coupling is one that
does not exist yet. "Reach" always means a path of existing couplings, and
"without the citizen" means that path may not pass through the citizen.
Professional actors are those of kind ``professional`` or ``organisation``; the
citizen's own network is the actors of kind ``network`` or ``volunteer``.

Warning codes, in the order they are reported (``WARNING_CODES`` has a one-line
Danish description of each; within a code, warnings follow document order):

``citizen_coordinates``
    One per ``needed`` coupling between two non-citizen actors *a* and *b* that
    reach each other, but not without the citizen: every existing path between
    them runs through the citizen, so today the citizen carries what they must
    settle between them. Actors: the citizen, *a* and *b*.
``citizen_bridges``
    At most one. The professional actors with an existing coupling to the
    citizen fall into two or more groups that do not reach each other without
    the citizen. This needs no ``needed`` coupling: it catches the same pattern
    when nobody has yet written down who must couple. Actors: the citizen and
    those professional actors.
``no_coordinator``
    At most one: no coordinator is named although there is at least one actor
    besides the citizen. Actors: none.
``coordinator_unreachable``
    At most one: a coordinator is named and at least one other professional
    actor is not reached by the coordinator without the citizen. The
    coordinator's job is to hold the professional side together, so every
    professional actor counts; the citizen's own network may be reached through
    the citizen. Actors: the coordinator and the actors it does not reach.
``needed_not_established``
    One per coupling in state ``needed`` (the citizen's own included), so each
    can be pointed at and followed up. Actors: its two ends.
``isolated_actor``
    One per non-citizen actor with no coupling at all, not even a needed one.
    Actors: that actor.
``strained_coupling``
    One per coupling in state ``strained``. Actors: its two ends.

The warnings overlap on purpose: a coupling the citizen carries is also a needed
coupling; each code answers its own question and can be filtered on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from app.graph.build import to_networkx
from app.graph.document import COUPLING_STATES, Actor, Coupling, GraphDocument
from app.graph.errors import N_
from app.graph.words import Message, Value, in_danish

__all__ = [
    "EXISTING_STATES",
    "OWN_KINDS",
    "PROFESSIONAL_KINDS",
    "WARNING_CODES",
    "Analysis",
    "Broker",
    "CaseWarning",
    "Figures",
    "WarningCode",
    "analyse",
]

WarningCode = Literal[
    "citizen_coordinates",
    "citizen_bridges",
    "no_coordinator",
    "coordinator_unreachable",
    "needed_not_established",
    "isolated_actor",
    "strained_coupling",
]

WARNING_CODES: dict[str, str] = {
    "citizen_coordinates": "Borgeren er eneste bindeled mellem to aktører, der skal koble sig "
    "på hinanden.",
    "citizen_bridges": "Fagpersonerne omkring borgeren falder i grupper, som kun hænger sammen "
    "gennem borgeren.",
    "no_coordinator": "Der er ikke udpeget en koordinator.",
    "coordinator_unreachable": "Koordinatoren når ikke alle fagpersoner gennem eksisterende "
    "koblinger uden om borgeren.",
    "needed_not_established": "En nødvendig kobling er ikke etableret endnu.",
    "isolated_actor": "En aktør er ikke koblet til nogen.",
    "strained_coupling": "En kobling er anstrengt.",
}

EXISTING_STATES: frozenset[str] = frozenset({"established", "weak", "strained"})
PROFESSIONAL_KINDS: frozenset[str] = frozenset({"professional", "organisation"})
OWN_KINDS: frozenset[str] = frozenset({"network", "volunteer"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class CaseWarning(_Frozen):
    """Something in the network a caseworker should look at: a code, the actors it is
    about and a sentence, Danish unless the reader asked for English."""

    # ``message`` is the Danish sentence; ``template`` (a Danish msgid, marked N_) and
    # ``params`` (actors' labels and topics as typed, vocabulary as a Message) let
    # ``say`` give it in another language. Like a Problem's, they are not compared, and
    # they are not in the JSON.

    # Named so as not to shadow the builtin ``Warning``. The JSON schema keeps the title
    # ``Warning`` API clients have seen (its key in the OpenAPI components follows the
    # class name; the JSON sent and received is the same).
    model_config = ConfigDict(frozen=True, title="Warning")

    code: WarningCode
    message: str
    actors: list[str]
    template: SkipJsonSchema[str] = Field(default="", exclude=True, repr=False)
    # Values are Value (str, Message or a tuple of them); Any, so pydantic leaves them be.
    params: SkipJsonSchema[dict[str, Any]] = Field(default_factory=dict, exclude=True,
                                                   repr=False)

    @classmethod
    def of(cls, code: WarningCode, actors: list[str], template: str,
           **params: Value) -> CaseWarning:
        """A warning whose text is ``template`` filled with ``params``.

        >>> w = CaseWarning.of("isolated_actor", ["mor"], "«%(actor)s» er alene.", actor="Mor")
        >>> w.message, w.say({"«%(actor)s» er alene.": "«%(actor)s» is alone."}.get)
        ('«Mor» er alene.', '«Mor» is alone.')
        """
        return cls(code=code, message=Message(template, params).danish, actors=actors,
                   template=template, params=params)

    def say(self, gettext: Callable[[str], str | None] = in_danish) -> str:
        """The warning in the language of ``gettext``; its Danish message when it has no
        template (one read back from JSON)."""
        return Message(self.template, self.params).say(gettext) if self.template \
            else self.message

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CaseWarning):
            return NotImplemented
        return (self.code, self.message, self.actors) == (other.code, other.message,
                                                           other.actors)

    __hash__ = None  # type: ignore[assignment]  # a list inside: never was hashable


class Broker(_Frozen):
    """An actor that lies on many shortest paths between others."""

    key: str
    label: str
    score: float


class Figures(_Frozen):
    """Key figures, with the professional side and the citizen's own side apart."""

    actors: int = Field(description="All actors, the citizen included.")
    couplings: int = Field(description="All couplings, whatever their state.")
    by_state: dict[str, int] = Field(description="Couplings per state, every state listed.")
    professionals: int = Field(description="Actors of kind professional or organisation.")
    own_network: int = Field(description="Actors of kind network or volunteer.")
    professional_couplings: int = Field(
        description="Couplings with at least one professional or organisation end."
    )
    own_couplings: int = Field(
        description="Couplings among the citizen and the citizen's own network only."
    )
    citizen_couplings: int = Field(description="Couplings that involve the citizen.")
    own_actor_share: float | None = Field(
        description="own_network / non-citizen actors, 4 decimals; null if there are none."
    )
    own_coupling_share: float | None = Field(
        description="own_couplings / couplings, 4 decimals; null if there are none."
    )


class Analysis(_Frozen):
    """Everything :func:`analyse` finds, JSON-ready and in a fixed order."""

    warnings: list[CaseWarning]
    brokers: list[Broker]
    load: dict[str, int]
    figures: Figures


def _quote(actor: Actor) -> str:
    return f"«{actor.label}»"


def _about(coupling: Coupling, without: str, with_topic: str,
           **params: Value) -> tuple[str, dict[str, Value]]:
    """The template that names the coupling's topic, if it has one, with its values."""
    if coupling.topic:
        return with_topic, {**params, "topic": coupling.topic}
    return without, params


def _components(graph: nx.Graph) -> dict[str, int]:
    """Component number per node; only equality of numbers means anything."""
    found: dict[str, int] = {}
    for number, component in enumerate(nx.connected_components(graph)):
        for node in component:
            found[node] = number
    return found


class _Network:
    """The document with the lookups every warning needs, computed once."""

    def __init__(self, doc: GraphDocument) -> None:
        self.doc = doc
        self.citizen = doc.citizen
        self.position = {actor.key: i for i, actor in enumerate(doc.actors)}
        self.by_key = {actor.key: actor for actor in doc.actors}
        self.all = to_networkx(doc)
        self.existing = nx.Graph()
        self.existing.add_nodes_from(actor.key for actor in doc.actors)
        self.existing.add_edges_from(
            (c.source, c.target) for c in doc.couplings if c.state in EXISTING_STATES
        )
        without = self.existing.copy()
        without.remove_node(self.citizen.key)
        self.with_citizen = _components(self.existing)
        self.without_citizen = _components(without)

    def in_order(self, keys: Iterable[str]) -> list[str]:
        return sorted(set(keys), key=self.position.__getitem__)

    def only_via_citizen(self, a: str, b: str) -> bool:
        return (
            self.with_citizen[a] == self.with_citizen[b]
            and self.without_citizen[a] != self.without_citizen[b]
        )


def _citizen_coordinates(net: _Network) -> list[CaseWarning]:
    citizen = net.citizen
    found = []
    for coupling in net.doc.couplings:
        ends = (coupling.source, coupling.target)
        if coupling.state != "needed" or citizen.key in ends:
            continue
        if net.only_via_citizen(*ends):
            a, b = (net.by_key[k] for k in net.in_order(ends))
            template, params = _about(
                coupling,
                N_("%(citizen)s er eneste bindeled mellem «%(a)s» og «%(b)s», som skal koble "
                   "sig på hinanden. Borgeren bliver dermed selv koordinator."),
                N_("%(citizen)s er eneste bindeled mellem «%(a)s» og «%(b)s», som skal koble "
                   "sig på hinanden (emne: %(topic)s). Borgeren bliver dermed selv "
                   "koordinator."),
                citizen=citizen.label, a=a.label, b=b.label)
            found.append(CaseWarning.of("citizen_coordinates",
                                        net.in_order((citizen.key, *ends)), template, **params))
    return found


def _citizen_bridges(net: _Network) -> list[CaseWarning]:
    citizen = net.citizen
    around = net.in_order(
        key for key in net.existing.neighbors(citizen.key)
        if net.by_key[key].kind in PROFESSIONAL_KINDS
    )
    groups: dict[int, list[str]] = {}
    for key in around:
        groups.setdefault(net.without_citizen[key], []).append(key)
    if len(groups) < 2:
        return []
    # The groups are the users' labels and punctuation: said as they are in any language.
    listed = "; ".join(
        ", ".join(_quote(net.by_key[key]) for key in group) for group in groups.values()
    )
    return [CaseWarning.of(
        "citizen_bridges", net.in_order((citizen.key, *around)),
        N_("%(citizen)s er eneste forbindelse mellem %(count)s grupper af fagpersoner, som "
           "ikke er koblet til hinanden uden om borgeren: %(groups)s. Overvej, hvem der skal "
           "koble sig på hvem."),
        citizen=citizen.label, count=str(len(groups)), groups=listed,
    )]


def _no_coordinator(net: _Network) -> list[CaseWarning]:
    if net.doc.coordinator is not None or len(net.doc.actors) < 2:
        return []
    return [CaseWarning.of(
        "no_coordinator", [],
        N_("Der er ikke udpeget en koordinator. Uden en koordinator risikerer %(citizen)s "
           "selv at skulle holde sammen på indsatserne."),
        citizen=net.citizen.label,
    )]


def _coordinator_unreachable(net: _Network) -> list[CaseWarning]:
    key = net.doc.coordinator
    if key is None:
        return []
    home = net.without_citizen[key]
    missing = [
        actor.key for actor in net.doc.actors
        if actor.kind in PROFESSIONAL_KINDS and actor.key != key
        and net.without_citizen[actor.key] != home
    ]
    if not missing:
        return []
    return [CaseWarning.of(
        "coordinator_unreachable", net.in_order((key, *missing)),
        N_("Koordinatoren «%(coordinator)s» når ikke %(missing)s gennem eksisterende "
           "koblinger uden om %(citizen)s."),
        coordinator=net.by_key[key].label,
        missing=tuple(_quote(net.by_key[k]) for k in missing), citizen=net.citizen.label,
    )]


def _needed_not_established(net: _Network) -> list[CaseWarning]:
    found = []
    for coupling in net.doc.couplings:
        if coupling.state == "needed":
            a, b = (net.by_key[k] for k in net.in_order((coupling.source, coupling.target)))
            template, params = _about(
                coupling,
                N_("«%(a)s» og «%(b)s» skal koble sig på hinanden, men koblingen er ikke "
                   "etableret endnu."),
                N_("«%(a)s» og «%(b)s» skal koble sig på hinanden, men koblingen er ikke "
                   "etableret endnu (emne: %(topic)s)."),
                a=a.label, b=b.label)
            found.append(CaseWarning.of("needed_not_established", [a.key, b.key], template,
                                        **params))
    return found


def _isolated_actor(net: _Network) -> list[CaseWarning]:
    return [
        CaseWarning.of("isolated_actor", [actor.key],
                       N_("«%(actor)s» er ikke koblet til nogen i netværket."),
                       actor=actor.label)
        for actor in net.doc.actors
        if actor.kind != "citizen" and net.all.degree(actor.key) == 0
    ]


def _strained_coupling(net: _Network) -> list[CaseWarning]:
    found = []
    for coupling in net.doc.couplings:
        if coupling.state == "strained":
            a, b = (net.by_key[k] for k in net.in_order((coupling.source, coupling.target)))
            template, params = _about(
                coupling, N_("Koblingen mellem «%(a)s» og «%(b)s» er anstrengt."),
                N_("Koblingen mellem «%(a)s» og «%(b)s» er anstrengt (emne: %(topic)s)."),
                a=a.label, b=b.label)
            found.append(CaseWarning.of("strained_coupling", [a.key, b.key], template,
                                        **params))
    return found


_CHECKS = {
    "citizen_coordinates": _citizen_coordinates,
    "citizen_bridges": _citizen_bridges,
    "no_coordinator": _no_coordinator,
    "coordinator_unreachable": _coordinator_unreachable,
    "needed_not_established": _needed_not_established,
    "isolated_actor": _isolated_actor,
    "strained_coupling": _strained_coupling,
}


def _brokers(net: _Network) -> list[Broker]:
    scores = nx.betweenness_centrality(net.existing)
    found = [
        Broker(key=key, label=net.by_key[key].label, score=round(score, 4))
        for key, score in scores.items()
        if round(score, 4) > 0
    ]
    return sorted(found, key=lambda broker: (-broker.score, broker.key))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _figures(net: _Network) -> Figures:
    doc = net.doc
    kinds = {actor.key: actor.kind for actor in doc.actors}
    professional_couplings = sum(
        1 for c in doc.couplings
        if kinds[c.source] in PROFESSIONAL_KINDS or kinds[c.target] in PROFESSIONAL_KINDS
    )
    own_network = sum(1 for actor in doc.actors if actor.kind in OWN_KINDS)
    own_couplings = len(doc.couplings) - professional_couplings
    return Figures(
        actors=len(doc.actors),
        couplings=len(doc.couplings),
        by_state={s: sum(1 for c in doc.couplings if c.state == s) for s in COUPLING_STATES},
        professionals=sum(1 for actor in doc.actors if actor.kind in PROFESSIONAL_KINDS),
        own_network=own_network,
        professional_couplings=professional_couplings,
        own_couplings=own_couplings,
        citizen_couplings=net.all.degree(net.citizen.key),
        own_actor_share=_share(own_network, len(doc.actors) - 1),
        own_coupling_share=_share(own_couplings, len(doc.couplings)),
    )


def analyse(doc: GraphDocument) -> Analysis:
    """What a caseworker should look at in the network, and who holds it together.

    Parameters
    ----------
    doc : GraphDocument
        The network; a validated document has exactly one citizen.

    Returns
    -------
    Analysis
        ``warnings`` by code in :data:`WARNING_CODES` order, then document order
        (the codes are defined in this module's docstring). ``brokers``: normalised
        betweenness centrality over existing couplings (the citizen included),
        rounded to 4 decimals, only scores above 0, highest first, ties by key.
        ``load``: couplings of any state per actor key, in document order.
        ``figures``: counts; ``professional_couplings`` touch at least one
        professional actor, ``own_couplings`` are those among the citizen and the
        citizen's own network, and the two shares are of the non-citizen actors
        and of all couplings (``None`` when there is nothing to divide by).

    Notes
    -----
    Dominated by betweenness centrality, O(n·m) for n actors and m existing
    couplings; everything else is linear.

    Examples
    --------
    >>> from app.graph.examples import claus_foer, claus_nu
    >>> before = analyse(claus_foer())
    >>> [w.actors for w in before.warnings if w.code == "citizen_coordinates"]
    [['claus', 'uu', 'ydelse'], ['claus', 'uu', 'rusmiddel'], ['claus', 'rusmiddel', 'forsorg']]
    >>> before.brokers[0]
    Broker(key='claus', label='Claus', score=1.0)
    >>> before.load["claus"], before.figures.by_state["needed"]
    (4, 3)
    >>> [w.code for w in analyse(claus_nu()).warnings]
    []
    """
    net = _Network(doc)
    warnings = [warning for code in WARNING_CODES for warning in _CHECKS[code](net)]
    return Analysis(
        warnings=warnings,
        brokers=_brokers(net),
        load={actor.key: int(net.all.degree(actor.key)) for actor in doc.actors},
        figures=_figures(net),
    )
