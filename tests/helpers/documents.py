"""Graph documents built for tests: ``make_doc`` from a list of actors, the Hypothesis
strategy ``documents`` for any document up to 150 actors, and the documents the PDF tests
print (the demo cases and 30- and 60-actor networks)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from app.graph import examples
from app.graph.document import PANELS, GraphDocument
from tests.helpers.networks import network

WORDS = ["Socialrådgiver", "Mor", "UU-vejleder", "æøå", "Ærø", "Søster", "Sundhedsplejerske",
         "Frivillig", "i", "fodboldklubben", "WWWWWWWWWWWWWWWWWWWWWWWW", "Lektiecaféen",
         "<script>alert(1)</script>", "Ydelsesrådgiver", "Øst", "x"]
KINDS = ["professional", "organisation", "network", "volunteer"]


def make_doc(actors: list[dict[str, Any]], couplings: list[tuple[int, int, str]] = (),
             coordinator: int | None = None) -> GraphDocument:
    """A document with a citizen and ``actors`` (keys a0, a1, ...)."""
    people = [{"key": "borger", "kind": "citizen", "label": "Borger"}]
    for i, actor in enumerate(actors):
        people.append({"key": f"a{i}", **actor})
    seen: set[frozenset[int]] = set()
    pairs = []
    for a, b, state in couplings:
        a, b = a % (len(people)), b % (len(people))
        if a != b and frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            pairs.append({"source": people[a]["key"], "target": people[b]["key"],
                          "state": state})
    return GraphDocument.model_validate({
        "label": "Test", "target_group": "voksne", "actors": people, "couplings": pairs,
        "coordinator": f"a{coordinator}" if coordinator is not None and actors else None,
    })


labels = st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join).map(
    lambda s: s[:200])
actor_st = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS),
    "label": labels,
    "panel": st.one_of(st.none(), st.sampled_from(PANELS)),
    "ring": st.one_of(st.none(), st.sampled_from([1, 2, 3])),
})


@st.composite
def documents(draw: st.DrawFn, max_actors: int = 150) -> GraphDocument:
    n = draw(st.one_of(st.integers(1, 20), st.integers(1, max_actors),
                       st.integers(max(1, max_actors - 30), max_actors)))
    crowd = draw(st.sampled_from([None, *PANELS]))  # sometimes everybody in one panel
    actors = draw(st.lists(actor_st, min_size=n, max_size=n))
    if crowd is not None:
        actors = [{**a, "panel": crowd} for a in actors]
    couplings = draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n),
                                        st.sampled_from(["needed", "established", "weak",
                                                         "strained"])), max_size=60))
    coordinator = draw(st.one_of(st.none(), st.integers(0, n - 1)))
    return make_doc(actors, couplings, coordinator)


def lettered_network(actors: int, couplings: int) -> GraphDocument:
    """The synthetic network of that size (``tests.helpers.networks.network``), each label
    made unique by letters rather than its number, so that no label word is also a ring
    mark's digit."""
    data = network(actors, couplings).model_dump(mode="json", exclude_none=True)
    for i, actor in enumerate(data["actors"][1:]):
        actor["label"] = f"{actor['label'].rsplit(' ', 1)[0]} {chr(65 + i // 26)}{chr(97 + i % 26)}"
    return GraphDocument.model_validate(data)


def thirty_actors() -> GraphDocument:
    """The synthetic 30-actor network (60 couplings), lettered: the largest A4 holds at 8 pt."""
    return lettered_network(30, 60)


def sixty_actors() -> GraphDocument:
    """The synthetic 60-actor network (150 couplings), lettered: too many for 8 pt on A4."""
    return lettered_network(60, 150)


PRINTED = {**examples.EXAMPLES, "30 actors": thirty_actors}
