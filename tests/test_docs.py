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


def test_readme_envelopes_are_current() -> None:
    from app.config import get_settings
    from app.diagram import envelope_svg
    from app.graph.examples import claus_foer, claus_nu

    for name, make in (("claus-foer", claus_foer), ("claus-nu", claus_nu)):
        committed = (ROOT / "docs" / f"{name}.svg").read_text(encoding="utf-8")
        assert committed == envelope_svg(make(), get_settings()), f"run make docs ({name})"


def test_user_guide_images_exist() -> None:
    guide = (ROOT / "docs" / "brugervejledning.md").read_text(encoding="utf-8")
    links = [part.split(")")[0] for part in guide.split("](")[1:]]
    images = [link for link in links if link.endswith(".png")]
    assert images, "the guide shows the pages"
    assert [i for i in images if not (ROOT / "docs" / i).exists()] == []


def test_security_page_has_room_for_the_measured_figures() -> None:
    from tests.trust.figures import END, PAGE, START

    page = PAGE.read_text(encoding="utf-8")
    assert page.count(START) == 1 and page.count(END) == 1
    assert page.index(START) < page.index(END)
