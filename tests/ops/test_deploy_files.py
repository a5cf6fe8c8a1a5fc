"""The deployment examples in docs/drift/ and the Containerfile are valid and agree."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ROOT, Settings
from tests.helpers.deploy import UNIT, unit_environment

CONTAINERFILE = ROOT / "Containerfile"
HERE = Path(sys.executable).parents[2]  # this checkout (where .venv is)


def container_environment() -> dict[str, str]:
    text = CONTAINERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    env = next(line for line in text.splitlines() if line.startswith("ENV "))
    return dict(pair.split("=", 1) for pair in env.removeprefix("ENV ").split())


def test_unit_sets_only_real_settings() -> None:
    names = {f"KUVERT_{n.upper()}" for n in Settings.model_fields}
    proxies = "KUVERT_TRUSTED_PROXIES"  # helper login-rights' setting (issue 13, item 5)
    assert set(unit_environment()) - names <= {proxies}
    assert set(container_environment()) - names <= {proxies, "PATH"}


def test_container_has_the_unit_settings() -> None:
    unit, container = unit_environment(), container_environment()
    assert set(unit) <= set(container)
    # Inside a container Kuvert listens on every interface of its own network namespace.
    differ = {k for k in unit if unit[k] != container[k]}
    assert differ == {"KUVERT_HOST"}, differ
    assert container["KUVERT_HOST"] == "0.0.0.0"


def test_unit_and_container_run_check_migrate_serve() -> None:
    unit = UNIT.read_text(encoding="utf-8")
    steps = re.findall(r"^Exec\w+=\S+/kuvert (\w+)", unit, re.M)
    assert steps == ["check", "migrate", "serve"]
    cmd = CONTAINERFILE.read_text(encoding="utf-8").split("CMD ", 1)[1]
    assert re.findall(r"kuvert (\w+)", cmd) == ["check", "migrate", "serve"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # The unit names /opt/kuvert and the user kuvert; here: this checkout and root.
    text = UNIT.read_text(encoding="utf-8").replace("/opt/kuvert", str(HERE))
    text = re.sub(r"^(User|Group)=kuvert$", r"\1=root", text, flags=re.M)
    unit = tmp_path / "kuvert.service"
    unit.write_text(text, encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "Unknown" not in done.stderr and "ignoring" not in done.stderr, done.stderr


def _builder() -> tuple[str | None, str]:
    """A container builder that works here, or why there is none."""
    tried = []
    for tool in ("podman", "docker"):
        if not shutil.which(tool):
            tried.append(f"{tool}: not installed")
            continue
        info = subprocess.run([tool, "info"], capture_output=True, text=True, timeout=30,
                              check=False)
        if info.returncode == 0:
            return tool, ""
        why = (info.stderr.strip().splitlines() or ["fails"])[-1]
        tried.append(f"{tool}: {why}")
    return None, "; ".join(tried)


BUILDER, NO_BUILDER = _builder()


@pytest.mark.skipif(BUILDER is None, reason=f"no container builder: {NO_BUILDER}")
def test_containerfile_builds_and_passes_check() -> None:
    assert BUILDER is not None
    tag = "kuvert-test:latest"
    build = subprocess.run([BUILDER, "build", "-t", tag, "-f", str(CONTAINERFILE), str(ROOT)],
                           capture_output=True, text=True, timeout=1800, check=False)
    assert build.returncode == 0, build.stderr[-3000:]
    try:
        check = subprocess.run(
            [BUILDER, "run", "--rm", "-e", "KUVERT_SECRET_KEY=" + "ab" * 32, tag,
             "kuvert", "check"], capture_output=True, text=True, timeout=300, check=False)
        assert check.returncode == 0, check.stderr
    finally:
        subprocess.run([BUILDER, "rmi", "-f", tag], capture_output=True, timeout=120,
                       check=False)


def test_operations_guide_lists_every_check() -> None:
    """docs/drift.md names every setting `kuvert check` can refuse."""
    import ast

    source = (ROOT / "app" / "checks.py").read_text(encoding="utf-8")
    named = {node.value for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and re.fullmatch(r"KUVERT_[A-Z_]+", node.value)}
    named |= {f"KUVERT_{f.upper()}" for f in ("audit_retention_days",
                                                "closed_case_retention_days",
                                                "oidc_client_id", "oidc_client_secret",
                                                "saml_sp_key_file")}
    guide = (ROOT / "docs" / "drift.md").read_text(encoding="utf-8")
    assert sorted(n for n in named if f"`{n}`" not in guide) == []
