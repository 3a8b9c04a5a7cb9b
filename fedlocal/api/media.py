"""Pictures through the client API: uploads (`POST /api/v1/media`, `/api/v2/media`),
reading and describing one (`GET`/`PUT /api/v1/media/:id`). Processing is finished when
the upload answers, so v2 answers 200 with the URLs at once (Mastodon answers 202 while
it processes; clients handle both)."""

from __future__ import annotations

from starlette.routing import Route

from ..services import media as media_service
from ..services.errors import InvalidInput
from . import entities
from .auth import Call, endpoint


async def file_bytes(call: Call, name: str) -> bytes | None:
    """The bytes of the multipart file `name`, under the upload limit; None if not sent."""
    upload = call.params.files.get(name)
    if upload is None:
        return None
    limit = call.config.media_max_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"this file is larger than {limit // (1024 * 1024)} MB", field=name)
    return data


def _entity(call: Call, upload) -> dict:
    attachment = media_service.attachment_of(call.ctx, upload)
    return dict(entities.media_attachment(attachment, str(upload.id)))


@endpoint("write:media")
async def create(call: Call):
    data = await file_bytes(call, "file")
    if data is None:
        raise InvalidInput("no file was sent", field="file")
    kept = await media_service.upload(
        call.ctx,
        call.actor,
        data,
        description=call.params.str("description"),
        focus=call.params.str("focus"),
    )
    return _entity(call, kept)


# Mastodon reads an upload with the scope that made it.
@endpoint("write:media")
async def show(call: Call):
    return _entity(call, await media_service.own_upload(call.ctx, call.actor, call.path_id()))


@endpoint("write:media")
async def update(call: Call):
    changed = await media_service.describe(
        call.ctx,
        call.actor,
        call.path_id(),
        description=call.params.str("description"),
        focus=call.params.str("focus"),
    )
    return _entity(call, changed)


routes = [
    Route("/api/v1/media", create, methods=["POST"]),
    Route("/api/v2/media", create, methods=["POST"]),
    Route("/api/v1/media/{id}", show, methods=["GET"]),
    Route("/api/v1/media/{id}", update, methods=["PUT"]),
]
