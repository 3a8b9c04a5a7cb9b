"""WebFinger, host-meta and NodeInfo."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub import nodeinfo, webfinger

from ... import __version__
from ...services import instance, people
from .responses import CORS, federation_of, json_error

# At most this many groups in NodeInfo's `metadata.groups`.
GROUPS_LISTED = 200

REPOSITORY = "https://github.com/fedlocal/fedlocal"
SERVICE_REL = "https://www.w3.org/ns/activitystreams#Service"


async def webfinger_endpoint(request: Request) -> Response:
    federation = federation_of(request)
    config, urls = federation.config, federation.urls
    resource = request.query_params.get("resource", "")
    try:
        query = webfinger.parse_resource(resource)
    except ValueError:
        # The instance actor's handle is acct:DOMAIN@DOMAIN; when the domain carries a
        # port, its user part has a colon, which the generic handle parser refuses.
        if resource.strip().lower().removeprefix("acct:") != f"{config.domain}@{config.domain}":
            return json_error(400, "resource must be acct:user@host or an actor URL")
        query = webfinger.ResourceQuery(kind="acct", host=config.domain, user=config.domain)
    if query.host != config.domain:
        return json_error(404, "not a resource of this server")
    services = federation.services
    if query.kind == "acct":
        actor = await people.local_actor(services, query.user or "")
    elif query.resource.rstrip("/") == config.base_url:
        # FEP-d556: the server itself names its instance actor.
        actor = await people.by_role(services, "instance")
    else:
        actor = await people.by_address(services, query.resource)
    if actor is None or not actor.is_local:
        return json_error(404, "no such account here")
    document = webfinger.build_jrd(
        f"acct:{actor.username}@{config.domain}",
        actor_id=actor.uri,
        aliases=[actor.uri] + ([actor.url] if actor.url and actor.url != actor.uri else []),
        profile_url=actor.url if actor.role != "instance" else None,
        subscribe_template=urls.authorize_interaction(),
    )
    if actor.role == "instance":
        # FEP-d556 names the server-level actor with this rel (`self` stays the only self).
        document["links"].append(
            {"rel": SERVICE_REL, "type": webfinger.AP_LINK_TYPE, "href": actor.uri}
        )
    return JSONResponse(document, media_type="application/jrd+json", headers=CORS)


async def host_meta(request: Request) -> Response:
    base = federation_of(request).config.base_url
    xrd = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{base}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
    return Response(xrd, media_type="application/xrd+xml", headers=CORS)


async def nodeinfo_index(request: Request) -> Response:
    federation = federation_of(request)
    document = nodeinfo.well_known_nodeinfo(
        federation.config.base_url, instance_actor_url=federation.urls.instance_actor
    )
    # Mobilizon refuses this document unless it is plain application/json.
    return JSONResponse(document, headers=CORS)


async def nodeinfo_endpoint(request: Request) -> Response:
    version = request.path_params["version"]
    if version not in ("2.0", "2.1"):
        return json_error(404, "NodeInfo 2.0 and 2.1 are served")
    federation = federation_of(request)
    config = federation.config
    counts = await instance.counts(federation.services)
    # Our association groups, so that neighbouring instances can list them (fedlocal's
    # own extension: `metadata.groups`, their actor URLs).
    groups = [group.uri for group in await people.groups(federation.services, limit=GROUPS_LISTED)]
    document = nodeinfo.nodeinfo_document(
        version,
        software_name="fedlocal",
        software_version=__version__,
        repository=REPOSITORY,
        homepage=REPOSITORY,
        total_users=counts.users,
        active_month=counts.users,
        active_halfyear=counts.users,
        local_posts=counts.local_posts,
        open_registrations=config.signup_mode == "open",
        metadata={
            "nodeName": config.name,
            "nodeDescription": config.description,
            "languages": list(config.languages),
            "federationMode": config.federation_mode,
            "groups": groups,
        },
    )
    content_type = nodeinfo.NODEINFO_CONTENT_TYPES[version]
    return JSONResponse(document, media_type=content_type, headers=CORS)


routes = [
    Route("/.well-known/webfinger", webfinger_endpoint),
    Route("/.well-known/host-meta", host_meta),
    Route("/.well-known/nodeinfo", nodeinfo_index),
    Route("/nodeinfo/{version}", nodeinfo_endpoint),
]
