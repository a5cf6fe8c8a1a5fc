"""Fill a database with N generated, realistic cases: ``kuvert populate`` as a script.

Run: ``.venv/bin/python bench/populate.py --cases 100000 [--team NAME]...`` against
``KUVERT_DATABASE_URL`` (migrated first). The generator itself is
:mod:`app.populate`, so the installed ``kuvert populate`` has it too.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.cli import main, migrate
from app.populate import generate_document, populate

__all__ = ["generate_document", "populate"]

if __name__ == "__main__":
    migrate()
    raise SystemExit(main(["populate", *sys.argv[1:]]))
