"""The examples in the docstrings of the case page's edits and forms run (app/graph's
own run with ``--doctest-modules``; these modules live outside it)."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from app import edits
from app.routes import pages_case, pages_history


@pytest.mark.parametrize("module", [edits, pages_case, pages_history],
                         ids=lambda m: m.__name__)
def test_docstring_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
