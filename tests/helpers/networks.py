"""Synthetic networks of any size from a seed: the PDF tests print them, the bench times them."""

from __future__ import annotations

import random

from app.graph.document import COUPLING_STATES, PANELS, GraphDocument

__all__ = ["KINDS", "LABELS", "network"]

LABELS = ["Socialrådgiver", "UU-vejleder", "Jobkonsulent", "Sundhedsplejerske",
          "Misbrugsbehandler", "Mor", "Frivillig i fodboldklubben", "Boligsocial medarbejder",
          "Psykolog", "Kontaktlærer", "Egen læge", "Moster", "Café (praktikplads)",
          "Koordinerende sagsbehandler i Unge, Uddannelse og Job"]
KINDS = ["professional", "organisation", "network", "volunteer"]


def network(actors: int, couplings: int, seed: int = 1) -> GraphDocument:
    """A random but reproducible network: the citizen plus ``actors`` others.

    Each actor gets a kind, a label from ``LABELS`` numbered by its place, a panel and a
    ring; ``couplings`` distinct pairs (fewer if there are not that many) get a state;
    the first actor, ``a0``, coordinates. The same arguments give the same document.
    """
    rng = random.Random(seed)
    people = [{"key": "borger", "kind": "citizen", "label": "Borger"}]
    for i in range(actors):
        people.append({"key": f"a{i}", "kind": rng.choice(KINDS),
                       "label": f"{rng.choice(LABELS)} {i}",
                       "panel": rng.choice(PANELS), "ring": rng.choice((1, 2, 3))})
    keys = [p["key"] for p in people]
    pairs: list[tuple[str, str]] = []
    seen: set[frozenset[str]] = set()
    while len(pairs) < min(couplings, len(keys) * (len(keys) - 1) // 2):
        a, b = rng.sample(keys, 2)
        if frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            pairs.append((a, b))
    return GraphDocument.model_validate({
        "label": f"Bench {actors}", "target_group": "voksne", "actors": people,
        "couplings": [{"source": a, "target": b, "state": rng.choice(COUPLING_STATES)}
                      for a, b in pairs],
        "coordinator": "a0",
    })
