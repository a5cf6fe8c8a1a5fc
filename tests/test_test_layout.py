"""The tests' own layout: what several test modules share lives in tests/helpers/, so no
test module imports another test module or a conftest file, the benchmarks import no
test module, and nothing under tests/ imports the benchmarks. Imports between the two run
one way: bench/ may use tests/helpers/ (and app), tests/ never uses bench/. Each test
module then reads, runs and moves alone."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in the file (functions included), by name;
    ``from package import name`` also counts as importing ``package.name``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _is_test_module(name: str) -> bool:
    """``tests.test_x``, ``tests.pages.test_x``, or a conftest: not to be imported."""
    parts = name.split(".")
    return parts[0] == "tests" and (parts[-1].startswith("test_") or parts[-1] == "conftest")


def _is_bench(name: str) -> bool:
    """``bench`` or anything in it: the benchmarks use the tests' helpers, not the reverse."""
    return name.split(".")[0] == "bench"


def _offences(folder: Path, forbidden: Callable[[str], bool] = _is_test_module) -> list[str]:
    return sorted(f"{path.relative_to(ROOT)} imports {name}"
                  for path in folder.rglob("*.py")
                  for name in _imported(path) if forbidden(name))


def test_no_test_module_imports_a_test_module_or_a_conftest() -> None:
    assert _offences(ROOT / "tests") == []


def test_bench_imports_no_test_module() -> None:
    assert _offences(ROOT / "bench") == []


def test_no_test_module_or_helper_imports_bench() -> None:
    assert _offences(ROOT / "tests", _is_bench) == []


def test_layout_check_sees_the_imports_it_forbids(tmp_path: Path) -> None:
    """The check itself: each forbidden form is found, a helper import is not."""
    sample = tmp_path / "test_sample.py"
    sample.write_text("import tests.pages.test_auth\n"
                      "from tests.conftest import Api\n"
                      "from tests.trust import test_access_matrix\n"
                      "from tests.helpers.clients import Api as Client\n"
                      "def f():\n    from tests.api.test_history import x\n")
    assert sorted(n for n in _imported(sample) if _is_test_module(n)) == [
        "tests.api.test_history", "tests.conftest", "tests.pages.test_auth",
        "tests.trust.test_access_matrix"]


def test_bench_check_sees_the_imports_it_forbids(tmp_path: Path) -> None:
    """The check itself: each form of importing bench is found, a look-alike name is not."""
    sample = tmp_path / "sample.py"
    sample.write_text("import bench\n"
                      "import bench.render as r\n"
                      "from bench import story\n"
                      "import benchmark_tools\n"
                      "from tests.helpers.networks import network\n"
                      "def f():\n    from bench.machine import cpu_model\n")
    assert sorted(n for n in _imported(sample) if _is_bench(n)) == [
        "bench", "bench.machine", "bench.machine.cpu_model", "bench.render", "bench.story"]
