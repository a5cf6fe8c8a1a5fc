"""Classify a citizen's network as prototype 1, 2 or 3 of the Kuvertmodel."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, InstanceOf
from pydantic.json_schema import SkipJsonSchema

from app.graph.document import Actor, GraphDocument
from app.graph.errors import N_
from app.graph.words import Message, Value

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Classification",
    "Count",
    "Counted",
    "Level",
    "Thresholds",
    "classify",
    "counts",
    "normalise",
    "prototype_of",
]

Level = Literal[1, 2, 3]


def normalise(text: str) -> str:
    """The form two free-text values must share to count as the same value.

    Caseworkers type professions and sectors by hand, so the same profession
    turns up with stray spaces or another case. Unicode is composed (NFC) first
    so that an "å" typed as "a" plus a ring counts as the "å" it looks like.

    Parameters
    ----------
    text : str
        A profession or sector as written.

    Returns
    -------
    str
        ``text`` trimmed, every run of whitespace folded to one space, casefolded.

    Examples
    --------
    >>> normalise(" Socialrådgiver") == normalise("socialrådgiver  ")
    True
    >>> normalise("Social \\t rådgiver")
    'social rådgiver'
    >>> normalise("   ")
    ''
    """
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _display(text: str) -> str:
    """The value as the caseworker wrote it, minus stray whitespace."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Thresholds:
    """The highest count that still gives level 1 and level 2.

    They are configuration, not code (docs/design.md §2): a municipality may draw the
    lines elsewhere, so the app builds this from its settings.

    Parameters
    ----------
    professions_level1, professions_level2 : int
        At most this many professions gives level 1, resp. level 2; more gives 3.
    sectors_level1, sectors_level2 : int
        The same for sectors.

    Raises
    ------
    ValueError
        If a limit is negative or a level-1 limit exceeds its level-2 limit, which
        would make level 2 unreachable or the table ambiguous.

    Examples
    --------
    >>> Thresholds().professions_level2
    5
    >>> Thresholds(sectors_level1=5, sectors_level2=4)
    Traceback (most recent call last):
    ...
    ValueError: sectors_level1 (5) må ikke være større end sectors_level2 (4).
    """

    professions_level1: int = 2
    professions_level2: int = 5
    sectors_level1: int = 2
    sectors_level2: int = 4

    def __post_init__(self) -> None:
        for name in ("professions", "sectors"):
            low: int = getattr(self, f"{name}_level1")
            high: int = getattr(self, f"{name}_level2")
            if low < 0 or high < 0:
                raise ValueError(f"Grænserne for {name} må ikke være negative.")
            if low > high:
                raise ValueError(
                    f"{name}_level1 ({low}) må ikke være større end {name}_level2 ({high})."
                )


DEFAULT_THRESHOLDS = Thresholds()


class Count(BaseModel):
    """How many distinct professions (or sectors) the network holds, and the level."""

    model_config = ConfigDict(frozen=True)

    count: int
    values: list[str]
    level: Level


class Classification(BaseModel):
    """The prototype with both counts behind it and the reasons in plain words, Danish
    unless the reader asked for English."""

    # ``said`` holds each reason as a Message (its Danish template and values) for the
    # edge to say in the reader's language; not in the JSON, and not compared.

    model_config = ConfigDict(frozen=True)

    prototype: Level
    professions: Count
    sectors: Count
    reasons: list[str]
    said: SkipJsonSchema[list[InstanceOf[Message]]] = Field(default_factory=list,
                                                            exclude=True, repr=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Classification):
            return NotImplemented
        return (self.prototype, self.professions, self.sectors, self.reasons) == (
            other.prototype, other.professions, other.sectors, other.reasons)

    __hash__ = None  # type: ignore[assignment]  # a list inside: never was hashable


def _distinct(values: Iterable[str | None]) -> list[str]:
    """Distinct values, each as first written, sorted by their normalised form."""
    first: dict[str, str] = {}
    for value in values:
        if value is None:
            continue
        key = normalise(value)
        if key:
            first.setdefault(key, _display(value))
    return [first[key] for key in sorted(first)]


def _level(count: int, level1: int, level2: int) -> Level:
    if count <= level1:
        return 1
    if count <= level2:
        return 2
    return 3


def prototype_of(professions: int, sectors: int,
                 thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Level:
    """The prototype that these two counts give: the higher of their levels.

    Examples
    --------
    >>> prototype_of(2, 3)
    2
    >>> prototype_of(6, 0)
    3
    """
    return max(_level(professions, thresholds.professions_level1, thresholds.professions_level2),
               _level(sectors, thresholds.sectors_level1, thresholds.sectors_level2))


class Counted(Protocol):
    """What :func:`counts` reads of an actor: a document's actor, or a database row."""

    @property
    def kind(self) -> str: ...
    @property
    def profession(self) -> str | None: ...
    @property
    def sector(self) -> str | None: ...


def counts(actors: Iterable[Counted]) -> tuple[int, int]:
    """How many distinct professions and sectors the actors other than the citizen have.

    The two numbers :func:`classify` compares with the thresholds; they do not depend
    on the thresholds, so they can be stored with the network.

    Examples
    --------
    >>> from app.graph.examples import claus_foer
    >>> counts(claus_foer().actors)
    (4, 4)
    """
    others = [a for a in actors if a.kind != "citizen"]
    return (len(_distinct(a.profession for a in others)),
            len(_distinct(a.sector for a in others)))


# The words a reason is made of. Singular or plural is chosen by ``count == 1``, which
# is the rule in Danish and English alike.
_PROFESSION = (N_("faggruppe"), N_("faggrupper"))
_SECTOR = (N_("sektor"), N_("sektorer"))


def _reason(count: Count, noun: tuple[str, str], level1: int, level2: int) -> Message:
    if count.level == 1:
        rule = Message(N_("højst %(limit)s"), {"limit": str(level1)})
    elif count.level == 2:
        rule = Message(N_("over %(low)s og højst %(high)s"),
                       {"low": str(level1), "high": str(level2)})
    else:
        rule = Message(N_("over %(limit)s"), {"limit": str(level2)})
    said: dict[str, Value] = {"count": str(count.count), "noun": Message(noun[count.count != 1]),
                              "rule": rule, "level": str(count.level)}
    if not count.values:
        return Message(N_("%(count)s %(noun)s: %(rule)s giver niveau %(level)s."), said)
    # The values are the caseworkers' own words: said as typed.
    return Message(N_("%(count)s %(noun)s (%(values)s): %(rule)s giver niveau %(level)s."),
                   {**said, "values": tuple(count.values)})


def _missing(actors: list[Actor], field: str, noun: tuple[str, str]) -> Message | None:
    labels = [a.label for a in actors if not normalise(getattr(a, field) or "")]
    if not labels:
        return None
    said: dict[str, Value] = {"count": str(len(labels)), "what": Message(noun[0]),
                              "labels": tuple(f"«{label}»" for label in labels)}
    if len(labels) == 1:
        return Message(N_("%(count)s aktør uden %(what)s tæller ikke med (%(labels)s)."), said)
    return Message(N_("%(count)s aktører uden %(what)s tæller ikke med (%(labels)s)."), said)


def classify(doc: GraphDocument, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Classification:
    """Which prototype the network is, and why, so the caseworker can check it.

    The prototype tells how much coordination a case needs: the more professions
    and policy sectors around the citizen, the more couplings must be made and
    the less the citizen can be left to hold them together.

    Parameters
    ----------
    doc : GraphDocument
        The network. The citizen is never counted: the question is how many
        professions and sectors surround the citizen.
    thresholds : Thresholds, optional
        Where the levels change; docs/design.md §2's table (:data:`DEFAULT_THRESHOLDS`)
        when omitted.

    Returns
    -------
    Classification
        ``prototype`` is the higher of the two levels. ``reasons`` holds one
        sentence per count, one per count that skipped actors without a value,
        and a last one naming the prototype; ``said`` the same as messages, for
        another language.

    Notes
    -----
    Linear in the number of actors, plus sorting the distinct values.

    Examples
    --------
    >>> from app.graph.examples import claus_foer
    >>> result = classify(claus_foer())
    >>> result.prototype
    2
    >>> result.professions.values
    ['Misbrugsbehandler', 'Pædagog', 'Socialrådgiver', 'UU-vejleder']
    >>> classify(claus_foer(), Thresholds(professions_level2=3)).prototype
    3
    >>> from app.graph.examples import prototype_1
    >>> print("\\n".join(classify(prototype_1()).reasons))
    2 faggrupper (Jobkonsulent, Mentor): højst 2 giver niveau 1.
    1 aktør uden faggruppe tæller ikke med («Søster»).
    1 sektor (beskæftigelse): højst 2 giver niveau 1.
    1 aktør uden sektor tæller ikke med («Søster»).
    Prototypen er den højeste af de to: 1.
    """
    limits = thresholds
    others = [a for a in doc.actors if a.kind != "citizen"]

    professions = _distinct(a.profession for a in others)
    sectors = _distinct(a.sector for a in others)
    by_profession = Count(
        count=len(professions),
        values=professions,
        level=_level(len(professions), limits.professions_level1, limits.professions_level2),
    )
    by_sector = Count(
        count=len(sectors),
        values=sectors,
        level=_level(len(sectors), limits.sectors_level1, limits.sectors_level2),
    )
    prototype: Level = max(by_profession.level, by_sector.level)

    reasons = [
        _reason(by_profession, _PROFESSION, limits.professions_level1,
                limits.professions_level2),
        _missing(others, "profession", _PROFESSION),
        _reason(by_sector, _SECTOR, limits.sectors_level1, limits.sectors_level2),
        _missing(others, "sector", _SECTOR),
        Message(N_("Prototypen er den højeste af de to: %(prototype)s."),
                {"prototype": str(prototype)}),
    ]
    said = [r for r in reasons if r is not None]
    return Classification(
        prototype=prototype,
        professions=by_profession,
        sectors=by_sector,
        reasons=[r.danish for r in said],
        said=said,
    )
