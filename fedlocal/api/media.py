"""Pictures through the client API: uploads (`POST /api/v1/media`, `/api/v2/media`),
reading and describing one (`GET`/`PUT /api/v1/media/:id`).

As Mastodon: v1 answers once the picture is processed (200, or 422 if refused). v2
processes in the background and waits only a moment: 200 with the attachment if done by
then, else 202 with `url` and `preview_url` null. `GET` then answers 206 while it
processes, 200 once ready, 422 with the reason if the picture was refused. `PUT` works
meanwhile; a status naming it before it is ready gets 422."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from ..models import MediaUpload
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


def _entity(call: Call, upload: MediaUpload) -> dict:
    attachment = media_service.attachment_of(call.ctx, upload)
    entity = entities.media_attachment(attachment, str(upload.id))
    if upload.is_ready:
        return dict(entity)
    # Mastodon's shape while processing: no addresses, sizes or BlurHash yet. Only
    # pictures are taken, so it is an image until it is refused.
    meta = {"focus": entity["meta"]["focus"]}
    return {
        **entity,
        "type": "image",
        "url": None,
        "preview_url": None,
        "blurhash": None,
        "meta": meta,
    }


async def _sent_file(call: Call) -> bytes:
    data = await file_bytes(call, "file")
    if data is None:
        raise InvalidInput("no file was sent", field="file")
    return data


@endpoint("write:media")
async def create(call: Call):
    kept = await media_service.upload(
        call.ctx,
        call.actor,
        await _sent_file(call),
        description=call.params.str("description"),
        focus=call.params.str("focus"),
    )
    return _entity(call, kept)


@endpoint("write:media")
async def create_v2(call: Call):
    kept = await media_service.upload_in_background(
        call.ctx,
        call.actor,
        await _sent_file(call),
        description=call.params.str("description"),
        focus=call.params.str("focus"),
    )
    return JSONResponse(_entity(call, kept), status_code=200 if kept.is_ready else 202)


# Mastodon reads an upload with the scope that made it.
@endpoint("write:media")
async def show(call: Call):
    found = await media_service.own_upload(call.ctx, call.actor, call.path_id())
    if found.state == "failed":
        raise InvalidInput(found.error or "this picture could not be processed", field="file")
    return JSONResponse(_entity(call, found), status_code=200 if found.is_ready else 206)


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
    Route("/api/v2/media", create_v2, methods=["POST"]),
    Route("/api/v1/media/{id}", show, methods=["GET"]),
    Route("/api/v1/media/{id}", update, methods=["PUT"]),
]
