"""The graph document: one citizen's network as JSON, the one shape used everywhere.

The API takes and gives it, exports and imports carry it, the renderer and the
analysis read it. Structure is checked by pydantic; the rules that span several
actors (one citizen, unique keys, couplings between known actors...) are checked
in :func:`_check_rules` and reported with the path of the offending field, so a
caller can show the caseworker exactly what to fix.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from app.graph.errors import N_, DocumentInvalid, Problem, words
from app.graph.text import TEXT_CODES, check_text, looks_like_cpr

__all__ = [
    "ACTOR_KINDS",
    "COUPLING_STATES",
    "KEY_PATTERN",
    "LIMITS",
    "PANELS",
    "TARGET_GROUPS",
    "Actor",
    "ActorKind",
    "Agreement",
    "Coupling",
    "CouplingState",
    "GraphDocument",
    "IsoDate",
    "Panel",
    "TargetGroup",
    "first_free",
    "looks_like_cpr",
    "parse_document",
    "problems_from_errors",
]

ActorKind = Literal["citizen", "professional", "organisation", "network", "volunteer"]
CouplingState = Literal["needed", "established", "weak", "strained"]
Panel = Literal["afdelinger", "organisationer", "civilsamfund", "netvaerk"]
TargetGroup = Literal["boern", "unge", "voksne", "familie"]

ACTOR_KINDS: tuple[str, ...] = ActorKind.__args__  # type: ignore[attr-defined]
COUPLING_STATES: tuple[str, ...] = CouplingState.__args__  # type: ignore[attr-defined]
PANELS: tuple[str, ...] = Panel.__args__  # type: ignore[attr-defined]
TARGET_GROUPS: tuple[str, ...] = TargetGroup.__args__  # type: ignore[attr-defined]
#: The bands around the citizen, nearest first.
RINGS: tuple[int, ...] = (1, 2, 3)


class _Limits:
    """Size limits: generous for real cases, small enough that nobody can flood us."""

    text = 200  # labels, names, keys' display text
    long_text = 2000  # contribution, topic, agreement text
    key = 64
    actors = 500
    couplings = 5000
    agreements = 50  # per coupling


LIMITS = _Limits()

KEY_PATTERN = r"^[\w.-]*\w[\w.-]*$"


def first_free(base: str, taken: set[str] | frozenset[str], sep: str = "-") -> str:
    """``base``, or ``base`` with the lowest suffix from 2 up that is not ``taken``.

    Keys must stay unique within a case wherever they are made (new actors,
    pseudonyms, keys renamed by a migration); this is the one way to do it.

    >>> first_free("uu", {"uu", "uu-2"})
    'uu-3'
    >>> first_free("mor", set(), sep="_")
    'mor'
    """
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{sep}{n}", n + 1
    return name
"""An actor's key: letters, digits, underscores, dots and hyphens, with at least one letter,
digit or underscore, so never ``.`` or ``..``, which a browser reads as a step in a form's
URL (``/cases/7/actors/../delete`` is ``/cases/7/delete``)."""


def _blank_to_none(value: Any) -> Any:
    """Empty or whitespace-only optional text means "no value", not an empty value."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value: Any) -> Any:
    """Refuse what pydantic would read as a Unix time ("0", 86400) or a datetime."""
    if isinstance(value, bool | int | float) or (
        isinstance(value, str) and not _ISO_DATE.match(value)
    ):
        raise PydanticCustomError("date_parsing", _MESSAGES["date_parsing"])
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
"""A calendar date written ``YYYY-MM-DD`` (or a :class:`datetime.date`), nothing else."""


Text = Annotated[
    str,
    BeforeValidator(_strip),
    StringConstraints(min_length=1, max_length=LIMITS.text),
    AfterValidator(check_text),
]
_OptionalShort = Annotated[
    str, StringConstraints(max_length=LIMITS.text), AfterValidator(check_text),
]
_OptionalLong = Annotated[
    str, StringConstraints(max_length=LIMITS.long_text), AfterValidator(check_text),
]
OptionalText = Annotated[_OptionalShort | None, BeforeValidator(_blank_to_none)]
LongText = Annotated[_OptionalLong | None, BeforeValidator(_blank_to_none)]
Key = Annotated[
    str,
    BeforeValidator(_strip),
    StringConstraints(min_length=1, max_length=LIMITS.key, pattern=KEY_PATTERN),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(_Strict):
    """Someone around the citizen: a professional, an organisation, family, a volunteer."""

    key: Key
    kind: ActorKind
    label: Text
    profession: OptionalText = None
    sector: OptionalText = None
    organisation: OptionalText = None
    panel: Panel | None = None
    ring: Annotated[int, Field(ge=RINGS[0], le=RINGS[-1])] | None = None
    contribution: LongText = None
    contact: OptionalText = None


class Agreement(_Strict):
    """Who does what by when, agreed on a coupling."""

    who: Key
    what: Annotated[
        str,
        BeforeValidator(_strip),
        StringConstraints(min_length=1, max_length=LIMITS.long_text),
        AfterValidator(check_text),
    ]
    due: IsoDate | None = None


class Coupling(_Strict):
    """Two actors that must coordinate; undirected, so (a, b) is (b, a)."""

    source: Key
    target: Key
    state: CouplingState = "needed"
    topic: LongText = None
    agreements: Annotated[list[Agreement], Field(max_length=LIMITS.agreements)] = []

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.source, self.target))


_CLAUS_EXAMPLE: dict[str, Any] = {
    "label": "Claus, 22",
    "target_group": "unge",
    "actors": [
        {"key": "claus", "kind": "citizen", "label": "Claus"},
        {"key": "uu", "kind": "professional", "label": "UU-vejleder",
         "profession": "UU-vejleder", "sector": "uddannelse",
         "organisation": "Unge, Uddannelse og Job", "panel": "afdelinger", "ring": 1},
        {"key": "ydelse", "kind": "professional", "label": "Ydelsesrådgiver",
         "profession": "Socialrådgiver", "sector": "beskæftigelse",
         "organisation": "Job, Sundhed og Ydelse", "panel": "afdelinger", "ring": 2},
    ],
    "couplings": [
        {"source": "uu", "target": "ydelse", "state": "needed",
         "topic": "Uddannelseshjælp og uddannelsesplan"},
    ],
    "coordinator": "uu",
}


class GraphDocument(_Strict):
    """One citizen's network: the actors, the couplings and who coordinates."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [_CLAUS_EXAMPLE]}
    )

    label: Text
    target_group: TargetGroup
    actors: Annotated[list[Actor], Field(min_length=1, max_length=LIMITS.actors)]
    couplings: Annotated[list[Coupling], Field(max_length=LIMITS.couplings)] = []
    coordinator: Key | None = None

    @model_validator(mode="after")
    def _rules(self) -> GraphDocument:
        problems = _check_rules(self)
        if problems:
            first = problems[0]
            raise PydanticCustomError(first.code, first.message, {"problems": problems})
        return self

    @property
    def citizen(self) -> Actor:
        return next(a for a in self.actors if a.kind == "citizen")

    def actor(self, key: str) -> Actor:
        """The actor with ``key``; KeyError if there is none."""
        for actor in self.actors:
            if actor.key == key:
                return actor
        raise KeyError(key)


def _check_rules(doc: GraphDocument) -> list[Problem]:
    problems: list[Problem] = []
    citizens = [i for i, a in enumerate(doc.actors) if a.kind == "citizen"]
    if len(citizens) != 1:
        problems.append(Problem.of(
            "actors", "citizen_count",
            N_("Der skal være præcis én borger (kind = citizen) i netværket; der er %(n)s."),
            n=len(citizens),
        ))
    keys: dict[str, int] = {}
    for i, actor in enumerate(doc.actors):
        if actor.key in keys:
            problems.append(Problem.of(
                f"actors[{i}].key", "duplicate_key",
                N_("Nøglen «%(key)s» bruges allerede af en anden aktør."), key=actor.key,
            ))
        keys.setdefault(actor.key, i)
    seen: set[frozenset[str]] = set()
    for i, coupling in enumerate(doc.couplings):
        for end in ("source", "target"):
            key = getattr(coupling, end)
            if key not in keys:
                problems.append(Problem.of(
                    f"couplings[{i}].{end}", "unknown_actor",
                    N_("Koblingen nævner aktøren «%(key)s», som ikke findes i netværket."),
                    key=key,
                ))
        if coupling.source == coupling.target:
            problems.append(Problem.of(
                f"couplings[{i}]", "self_coupling",
                N_("En aktør kan ikke kobles til sig selv («%(key)s»)."), key=coupling.source,
            ))
        elif coupling.pair in seen:
            problems.append(Problem.of(
                f"couplings[{i}]", "duplicate_coupling",
                N_("«%(source)s» og «%(target)s» er allerede koblet."),
                source=coupling.source, target=coupling.target,
            ))
        seen.add(coupling.pair)
        for j, agreement in enumerate(coupling.agreements):
            if agreement.who not in keys:
                problems.append(Problem.of(
                    f"couplings[{i}].agreements[{j}].who", "unknown_actor",
                    N_("Aftalen nævner aktøren «%(key)s», som ikke findes i netværket."),
                    key=agreement.who,
                ))
    if doc.coordinator is not None:
        if doc.coordinator not in keys:
            problems.append(Problem.of(
                "coordinator", "unknown_actor",
                N_("Koordinatoren «%(key)s» findes ikke i netværket."), key=doc.coordinator,
            ))
        elif doc.actors[keys[doc.coordinator]].kind == "citizen":
            problems.append(Problem(
                "coordinator", "coordinator_is_citizen",
                N_("Borgeren kan ikke være koordinator: det er netop det, Kuvertmodellen "
                   "skal undgå. Vælg en fagperson."),
            ))
    return problems


# Danish wording for pydantic's own error types; anything else falls back to a
# generic sentence, never to English.
_MESSAGES: dict[str, str] = {
    "missing": N_("Feltet skal udfyldes."),
    "extra_forbidden": N_("Feltet kendes ikke."),
    "string_type": N_("Feltet skal være tekst."),
    "string_too_short": N_("Feltet må ikke være tomt."),
    "string_too_long": N_("Teksten er for lang (højst %(max_length)s tegn)."),
    "string_pattern_mismatch": N_("Nøglen må kun indeholde bogstaver, tal, punktum, "
                                  "bindestreg og understregning, og mindst ét bogstav, tal "
                                  "eller én understregning."),
    "literal_error": N_("Ugyldig værdi; tilladt er: %(expected)s."),
    "int_type": N_("Feltet skal være et helt tal."),
    "int_parsing": N_("Feltet skal være et helt tal."),
    "int_from_float": N_("Feltet skal være et helt tal."),
    "greater_than_equal": N_("Tallet skal være mindst %(ge)s."),
    "less_than_equal": N_("Tallet må højst være %(le)s."),
    "too_short": N_("Listen skal have mindst %(min_length)s element(er)."),
    "too_long": N_("Listen er for lang (højst %(max_length)s)."),
    "list_type": N_("Feltet skal være en liste."),
    "model_type": N_("Feltet skal være et objekt."),
    "model_attributes_type": N_("Feltet skal være et objekt."),
    "dict_type": N_("Feltet skal være et objekt."),
    "date_from_datetime_parsing": N_("Datoen skal skrives ÅÅÅÅ-MM-DD."),
    "date_parsing": N_("Datoen skal skrives ÅÅÅÅ-MM-DD."),
    "date_type": N_("Datoen skal skrives ÅÅÅÅ-MM-DD."),
    "json_invalid": N_("Indholdet er ikke gyldig JSON."),
    "bool_type": N_("Feltet skal være true eller false."),
    "bool_parsing": N_("Feltet skal være true eller false."),
}


def _field_path(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "dokument"


def problems_from_errors(errors: Sequence[ErrorDetails], strip: int = 0) -> list[Problem]:
    """Turn pydantic's errors into :class:`Problem` objects with our own Danish words.

    Each problem keeps its catalogue template and the values filled into it, so the
    edge can say it in another language (``Problem.say``). ``strip`` drops leading
    location parts (FastAPI puts ``"body"`` first).

    >>> from pydantic import TypeAdapter, ValidationError
    >>> try:
    ...     TypeAdapter(Actor).validate_python({"key": "a", "kind": "x", "label": "A"})
    ... except ValidationError as exc:
    ...     problem = problems_from_errors(exc.errors())[0]
    >>> problem.field, problem.code, problem.template
    ('kind', 'literal_error', 'Ugyldig værdi; tilladt er: %(expected)s.')
    >>> problem.message.endswith("'network' or 'volunteer'.")
    True
    """
    problems: list[Problem] = []
    for error in errors:
        ctx = error.get("ctx") or {}
        nested = ctx.get("problems")
        prefix = _field_path(error["loc"][strip:]) if error["loc"][strip:] else ""
        if nested:
            for p in nested:
                field = f"{prefix}.{p.field}" if prefix else p.field
                problems.append(dataclasses.replace(p, field=field))
            continue
        kind = error["type"]
        if kind in ("too_short", "too_long") and ctx.get("field_type") != "List":
            kind = "string_" + kind  # a validated text reports itself as a generic "Value"
        template = _MESSAGES.get(kind) or TEXT_CODES.get(kind) or N_("Ugyldig værdi.")
        names = _PARAMS.findall(template)
        if not all(name in ctx for name in names):
            template, names = N_("Ugyldig værdi."), []
        params = {name: ctx[name] for name in names}
        problems.append(Problem(_field_path(error["loc"][strip:]), kind,
                                words(template, params), template, params))
    return problems


_PARAMS = re.compile(r"%\((\w+)\)s")


def parse_document(data: Any) -> GraphDocument:
    """Validate ``data`` (a dict from JSON) into a document, or raise DocumentInvalid.

    Examples
    --------
    >>> doc = parse_document({"label": "Claus, 22", "target_group": "unge",
    ...     "actors": [{"key": "claus", "kind": "citizen", "label": "Claus"}]})
    >>> doc.citizen.key
    'claus'
    >>> parse_document({"label": "x", "target_group": "unge", "actors": []})
    Traceback (most recent call last):
    ...
    app.graph.errors.DocumentInvalid: actors: Listen skal have mindst 1 element(er).
    """
    try:
        return GraphDocument.model_validate(data)
    except ValidationError as exc:
        raise DocumentInvalid(problems_from_errors(exc.errors())) from None
