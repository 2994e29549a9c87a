"""The token holders' web page: one HTML file and the bundle `make setup` builds from `web/src`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

STATIC_DIR = Path(__file__).resolve().parents[2] / "web" / "static"
BUNDLE = STATIC_DIR / "build" / "app.js"

router = APIRouter(include_in_schema=False)

NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Carbon bridge</title>
<p>The web page is not built. Run <code>make setup</code> (it bundles <code>web/src</code> with esbuild)
and reload. The API itself is at <a href="/docs">/docs</a>.</p>"""


@router.get("/")
def index() -> Response:
    if not BUNDLE.exists():
        return HTMLResponse(NOT_BUILT, status_code=503)
    # Always revalidated: a rebuilt bundle must not meet a cached page.
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})
