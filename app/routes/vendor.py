"""Front-end libraries, served by the app itself from what npm installed (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.config import ROOT
from app.errors import N_, NotFound

router = APIRouter(include_in_schema=False)

NODE = ROOT / "node_modules"
VENDOR = {
    "htmx.min.js": NODE / "htmx.org" / "dist" / "htmx.min.js",
    "sse.js": NODE / "htmx-ext-sse" / "dist" / "sse.min.js",
}


@router.get("/static/vendor/{name}", name="asset.vendor_file")
def vendor_file(name: str) -> FileResponse:
    path = VENDOR.get(name)
    if path is None or not path.exists():
        raise NotFound(N_("Filen findes ikke (er `npm ci` kørt? `make run` gør det)."))
    return FileResponse(path, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})
