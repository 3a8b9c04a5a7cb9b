"""`fedlocal serve` and `fedlocal worker`."""

from __future__ import annotations

import argparse
import asyncio
import logging

import uvicorn

from ..app import create_app, start_workers
from ..config import load_config
from .runtime import open_instance


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def serve(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    configure_logging(config.log_level)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            host=args.host or config.listen_host,
            port=args.port or config.listen_port,
            log_level=config.log_level,
            proxy_headers=True,
            lifespan="on",
            access_log=config.log_level == "debug",
        )
    )
    server.run()
    return 0 if server.started else 1


async def worker(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    configure_logging(config.log_level)
    async with open_instance(args.config) as federation:
        await asyncio.gather(*start_workers(federation))
    return 0
