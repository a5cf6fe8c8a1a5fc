"""KUVERT_LOCAL_LOGIN=false: no password form, and a posted password is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def test_log_in_with_password_refused_when_local_login_off(settings: Settings) -> None:
    config = settings.model_copy(update={"local_login": False, "oidc_issuer": "http://idp",
                                         "oidc_client_id": "kuvert"})
    app = create_app(config)
    with TestClient(app) as client:
        form = client.get("/login")
        assert form.status_code == 200
        assert 'name="password"' not in form.text
        assert "/login/oidc?next=" in form.text
        answer = client.post("/login", data={"username": "demo", "password": "kuvert-demo",
                                             "csrf": "x"})
        assert answer.status_code == 403
        assert "lokale adgangskoder er slået fra" in answer.text
        assert "kuvert_session" not in answer.cookies
    app.state.db.dispose()
