"""The README stays true: every setting and every warning code is documented."""

from __future__ import annotations

from app.config import ROOT, Settings
from app.graph.analyse import WARNING_CODES

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [name for name in Settings.model_fields
               if f"KUVERT_{name.upper()}" not in README]
    assert missing == []


def test_every_warning_code_is_documented() -> None:
    assert [code for code in WARNING_CODES if f"`{code}`" not in README] == []


def test_readme_names_the_two_commands() -> None:
    assert "make run" in README and "make test" in README
