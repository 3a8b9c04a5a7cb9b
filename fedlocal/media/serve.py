"""`GET /media/{key}`: the files of `LocalMediaFiles`, with the headers a picture named by
its content deserves: cached for a year (`immutable`: the name changes when the content
does), its real type, and `nosniff` so no browser ever reads one as anything else."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from .files import LocalMediaFiles, content_type_of

CACHE_CONTROL = "public, max-age=31536000, immutable"


async def media_file(request: Request) -> Response:
    files = request.app.state.media_files
    key = request.path_params["key"]
    path = files.path(key) if isinstance(files, LocalMediaFiles) else None
    if path is None or not path.is_file():
        raise HTTPException(404)
    return FileResponse(
        path,
        media_type=content_type_of(key),
        headers={
            "Cache-Control": CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


routes = [Route("/media/{key:path}", media_file, methods=["GET", "HEAD"])]
