"""The deployment examples as the tests read them: the systemd unit's own settings."""

from __future__ import annotations

from app.config import ROOT

UNIT = ROOT / "docs" / "drift" / "kuvert.service"


def unit_environment() -> dict[str, str]:
    """The KUVERT_* settings the systemd unit sets itself."""
    return dict(line.removeprefix("Environment=").split("=", 1)
                for line in UNIT.read_text(encoding="utf-8").splitlines()
                if line.startswith("Environment="))
