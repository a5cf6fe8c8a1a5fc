"""The stateless render endpoints bound the work one request can cause (issue 10, item 15):
too large a document is refused before drawing (413), and one caller draws at most a few
diagrams at a time (429)."""

from __future__ import annotations

from typing import Any

import pytest

from app.auth import principal_for_token
from app.db import Database
from app.routes import api_render
from tests.helpers.clients import Api

ENDPOINTS = ["/api/v1/render.svg", "/api/v1/render.pdf"]


def _doc(actors: int, couplings: int = 0, topic: str | None = None) -> dict[str, Any]:
    keys = [f"a{i}" for i in range(actors - 1)]
    pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]][:couplings]
    return {
        "label": "Stor", "target_group": "voksne",
        "actors": [{"key": "c", "kind": "citizen", "label": "C"}]
        + [{"key": k, "kind": "network", "label": k} for k in keys],
        "couplings": [{"source": a, "target": b, **({"topic": topic} if topic else {})}
                      for a, b in pairs],
    }


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("doc", [
    _doc(api_render.RENDER_MAX_ACTORS + 1),
    _doc(60, api_render.RENDER_MAX_COUPLINGS + 1),
    _doc(60, 150, topic="lange ord " * 150),  # 150 × 1500 characters of topic
], ids=["actors", "couplings", "text"])
def test_too_large_to_draw(reader: Api, url: str, doc: dict[str, Any]) -> None:
    response = reader.post(url, json=doc)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large_to_draw"


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_network_at_the_limits_is_drawn(reader: Api, url: str) -> None:
    response = reader.post(url, json=_doc(api_render.RENDER_MAX_ACTORS, 300))
    assert response.status_code == 200


def test_one_caller_draws_only_a_few_at_a_time(reader: Api, api: Api, db: Database) -> None:
    with db.session() as session:
        who = principal_for_token(session, reader.token)
    small = _doc(3, 1)
    with api_render.render_slot(who), api_render.render_slot(who):  # two still drawing
        for url in ENDPOINTS:
            response = reader.post(url, json=small)
            assert response.status_code == 429
            assert response.json()["error"]["code"] == "too_many_renders"
        assert api.post(ENDPOINTS[0], json=small).status_code == 200  # others are not held up
    assert reader.post(ENDPOINTS[0], json=small).status_code == 200  # free again
    assert not api_render._drawing  # no slot left behind
