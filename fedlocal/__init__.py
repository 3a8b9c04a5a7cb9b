"""fedlocal: a federated ActivityPub server for neighbourhood sharing."""

from .lean_imports import install as _lean_imports

__version__ = "0.1.0"

# Before anything imports SQLAlchemy's asyncio engine: its package would bring the ORM,
# which fedlocal never uses (fedlocal/lean_imports.py).
_lean_imports()
