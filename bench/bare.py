"""The framework's own limit: a bare FastAPI app with one ``def`` route returning a dict.

``bench/api.py`` serves it with exactly the uvicorn settings ``kuvert serve`` uses (same
HTTP parser, event loop and worker count) in the same run as Kuvert, so every Kuvert
endpoint can be reported as a share of what FastAPI + uvicorn manage on this machine.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/bare")
def bare() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":  # python bench/bare.py PORT WORKERS
    import sys
    from pathlib import Path

    import uvicorn

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from app.cli import serve_options

    uvicorn.run("bench.bare:app", host="127.0.0.1", port=int(sys.argv[1]),
                **serve_options(int(sys.argv[2]) if len(sys.argv) > 2 else 1))
