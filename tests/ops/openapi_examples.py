"""Make app/openapi_examples.json: one real request and answer per API operation.

    .venv/bin/python -m tests.ops.openapi_examples

Runs every operation once against the real app on a throw-away SQLite database and keeps
what it sent and got (long lists and texts shortened). Run it again when an operation is
added or changes shape; tests/ops/test_api_docs.py checks every operation has examples and
that they fit the schema.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app import accounts
from app.cli import migrate
from app.config import ROOT, Settings
from app.db import Database
from app.main import create_app

OUT = ROOT / "app" / "openapi_examples.json"

SARA: dict[str, Any] = {
    "label": "Sara, 17",
    "target_group": "unge",
    "coordinator": "raadgiver",
    "actors": [
        {"key": "sara", "kind": "citizen", "label": "Sara",
         "contribution": "Vil gerne gøre folkeskolen færdig."},
        {"key": "raadgiver", "kind": "professional", "label": "Familierådgiver",
         "profession": "Socialrådgiver", "sector": "socialområdet",
         "organisation": "Børn og Familie", "panel": "afdelinger", "ring": 1},
        {"key": "skole", "kind": "organisation", "label": "Ungdomsskolen",
         "profession": "Lærer", "sector": "uddannelse", "panel": "organisationer", "ring": 2},
    ],
    "couplings": [
        {"source": "sara", "target": "raadgiver", "state": "established",
         "topic": "Ugentlig samtale"},
        {"source": "raadgiver", "target": "skole", "state": "needed"},
    ],
}


def _short(value: Any) -> Any:
    """Lists of more than three items and very long texts cut down (examples stay readable)."""
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(v) for v in value[:3]]
    return value


def generate() -> dict[str, dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="kuvert-examples-"))
    url = f"sqlite:///{folder / 'examples.db'}"
    migrate(url)
    db = Database(url)
    with db.session() as session:
        accounts.ensure_team(session, "Jobcenter Vest")
        token = accounts.create_token(session, "Jobcenter Vest", "write", "eksempel")
    db.dispose()
    app = create_app(Settings(database_url=url, environment="test"))
    out: dict[str, dict[str, Any]] = {}
    with TestClient(app) as client:
        auth = {"Authorization": f"Bearer {token}"}

        def call(method: str, template: str, params: dict[str, Any] | None = None,
                 body: Any = None, query: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> Any:
            path = template.format(**(params or {}))
            answer = client.request(method, path, json=body, params=query,
                                    headers=auth | (headers or {}))
            assert answer.status_code < 300, (method, path, answer.status_code, answer.text)
            entry: dict[str, Any] = {"status": answer.status_code,
                                     "parameters": {**(params or {}), **(query or {})}}
            if headers:
                entry["parameters"] |= {k.lower(): v for k, v in headers.items()}
            if body is not None:
                entry["request"] = body
            kind = answer.headers.get("content-type", "")
            if kind.startswith("application/json"):
                entry["response"] = _short(answer.json())
            elif kind.startswith(("image/svg", "text/")):
                entry["response"] = answer.text[:300] + ("…" if len(answer.text) > 300 else "")
            out[f"{method} {template}"] = entry
            return answer.json() if kind.startswith("application/json") else None

        call("GET", "/healthz")
        created = call("POST", "/api/v1/cases", body=SARA)
        case = {"case_id": created["id"]}
        call("GET", "/api/v1/cases", query={"q": "Sara", "limit": 20})
        call("GET", "/api/v1/cases/{case_id}", case)
        call("PATCH", "/api/v1/cases/{case_id}", case,
             body={"external_ref": "SAG-2026-0412"}, headers={"If-Match": '"1"'})
        call("GET", "/api/v1/cases/{case_id}/graph", case)
        call("PUT", "/api/v1/cases/{case_id}/graph", case, body=SARA | {"version": 2})
        call("POST", "/api/v1/cases/{case_id}/actors", case, body={
            "key": "psykolog", "kind": "professional", "label": "PPR-psykolog",
            "profession": "Psykolog", "sector": "uddannelse", "ring": 2, "version": 3})
        call("PATCH", "/api/v1/cases/{case_id}/actors/{key}", case | {"key": "psykolog"},
             body={"contribution": "Udredning af læsevanskeligheder.", "version": 4})
        call("POST", "/api/v1/cases/{case_id}/couplings", case, body={
            "source": "skole", "target": "psykolog", "state": "needed",
            "topic": "Fælles plan for skolestart", "version": 5})
        call("PATCH", "/api/v1/cases/{case_id}/couplings/{a}/{b}",
             case | {"a": "skole", "b": "psykolog"}, body={"state": "established",
                                                            "version": 6})
        call("GET", "/api/v1/cases/{case_id}/classification", case)
        call("GET", "/api/v1/cases/{case_id}/analysis", case)
        call("GET", "/api/v1/cases/{case_id}/history", case)
        call("POST", "/api/v1/cases/{case_id}/snapshots", case, body={"name": "Netværksmøde 1"})
        call("GET", "/api/v1/cases/{case_id}/snapshots", case)
        call("GET", "/api/v1/cases/{case_id}/compare", case, query={"left": "v1", "right": "s1"})
        embed = call("POST", "/api/v1/cases/{case_id}/embeds", case,
                     body={"days": 30, "note": "Til skolens intranet", "pseudonymise": True})
        call("GET", "/api/v1/cases/{case_id}/embeds", case)
        call("DELETE", "/api/v1/cases/{case_id}/embeds/{embed_id}",
             case | {"embed_id": embed["id"]})
        call("GET", "/api/v1/cases/{case_id}/envelope.svg", case, query={"lang": "da"})
        call("GET", "/api/v1/cases/{case_id}/envelope.pdf", case, query={"paper": "a4"})
        call("GET", "/api/v1/cases/{case_id}/export.{fmt}", case | {"fmt": "json"})
        call("POST", "/api/v1/render.svg", body=SARA, query={"lang": "da"})
        call("POST", "/api/v1/render.pdf", body=SARA, query={"paper": "a4"})
        call("GET", "/api/v1/templates/prototype/{prototype}.pdf", {"prototype": 2},
             query={"paper": "a3"})
        call("POST", "/api/v1/cases/import", body=SARA)
        call("POST", "/api/v1/classify", body=SARA)
        call("POST", "/api/v1/analyse", body=SARA)
        call("GET", "/api/v1/catalogue")
        call("DELETE", "/api/v1/cases/{case_id}/couplings/{a}/{b}",
             case | {"a": "skole", "b": "psykolog"}, query={"version": 7})
        call("DELETE", "/api/v1/cases/{case_id}/actors/{key}", case | {"key": "psykolog"},
             query={"version": 8})
        call("DELETE", "/api/v1/cases/{case_id}", case, query={"version": 9})
    app.state.db.dispose()
    return dict(sorted(out.items()))


if __name__ == "__main__":
    OUT.write_text(json.dumps(generate(), ensure_ascii=False, indent=1) + "\n",
                   encoding="utf-8")
    print(f"wrote {OUT}")
