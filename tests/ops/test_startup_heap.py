"""``kuvert serve``'s app freezes the heap it starts with, so the garbage collector's full
runs no longer walk it; an app made for a test leaves the collector alone."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app, serve_app
from app.web.pages import templates


def test_a_served_app_freezes_its_startup_heap_with_the_templates_compiled(
        settings: Settings) -> None:
    gc.unfreeze()
    templates.env.cache.clear()  # type: ignore[union-attr]
    try:
        with TestClient(serve_app(settings)) as client:
            assert gc.get_freeze_count() > 10_000
            compiled = {name for _, name in templates.env.cache}  # type: ignore[union-attr]
            assert {"base.html", "cases/show.html", "cases/print.html"} <= compiled
            assert client.get("/login").status_code == 200
    finally:
        gc.unfreeze()


def test_an_app_made_in_a_test_process_freezes_nothing(settings: Settings) -> None:
    gc.unfreeze()
    with TestClient(create_app(settings)) as client:
        assert client.get("/login").status_code == 200
        assert gc.get_freeze_count() == 0
