"""Keeping what a process built at start out of the garbage collector's full passes.

A started server holds a few hundred thousand objects for its whole life: modules,
SQLAlchemy's tables and cached statements, templates, translation catalogues. CPython's
full collection (generation 2) walks every one of them: about 35 ms on the 2-core
machine of docs/performance.md, 16 times during a 12-second inbox flood. Each time the
event loop stopped with every request in flight, and those requests were the 202's p99
(docs/performance.md "Full collections"). `gc.freeze()` moves every object alive at the
call into a permanent generation that collections skip; what the process builds later
is collected as before.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_objects() -> int:
    """Collect once, then freeze every object that survived; returns how many are frozen.

    For a process that has started (its app's lifespan run, its workers built), once: a
    process building many apps (the tests) would keep their reference cycles for ever."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("%d objects built at start are left out of full collections", frozen)
    return frozen
