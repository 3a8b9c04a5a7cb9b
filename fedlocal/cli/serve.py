"""`fedlocal serve` and `fedlocal worker`."""

from __future__ import annotations

import argparse
import asyncio
import logging

import uvicorn
from starlette.applications import Starlette

from ..app import create_app, start_workers
from ..boundary import log_privacy
from ..boundary.request_id import install_log_record_factory
from ..config import load_config
from .runtime import open_instance

WS_MAX_MESSAGE_BYTES = 64 * 1024


def configure_logging(level: str) -> None:
    """Log lines carry the request's id ("-" outside requests), as error answers do."""
    install_log_record_factory()
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s",
    )


class _Server(uvicorn.Server):
    """uvicorn's server, ending the client API's open streams when asked to stop: a
    graceful shutdown waits for every response to finish, and a stream never would."""

    def __init__(self, config: uvicorn.Config, app: Starlette):
        super().__init__(config)
        self.app = app

    def handle_exit(self, sig, frame) -> None:
        hub = getattr(self.app.state, "api_streams", None)
        if hub is not None:
            hub.close_threadsafe()
        super().handle_exit(sig, frame)


def serve(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    configure_logging(config.log_level)
    app = create_app(config)
    server = _Server(
        uvicorn.Config(
            app,
            host=args.host or config.listen_host,
            port=args.port or config.listen_port,
            log_level=config.log_level,
            proxy_headers=True,
            lifespan="on",
            access_log=config.log_level == "debug",
            # A backstop: a client that never reads its last bytes cannot hold the
            # shutdown for ever.
            timeout_graceful_shutdown=10,
            # The streaming API's only messages are small subscriptions.
            ws_max_size=WS_MAX_MESSAGE_BYTES,
        ),
        app,
    )
    # uvicorn configured its loggers above: from here, they write no client address.
    log_privacy.install()
    server.run()
    return 0 if server.started else 1


async def worker(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    configure_logging(config.log_level)
    async with open_instance(args.config) as federation:
        await asyncio.gather(*start_workers(federation))
    return 0
