"""The store: tables, migrations, and query functions grouped by entity.

Nothing outside this package writes SQL. Every query function takes an open connection
(from `Database.write()` or `Database.read()`) so callers decide transaction boundaries.
"""

from .database import Database, normalise_url
from .migrate import current_revision, head_revision, migrate

__all__ = ["Database", "current_revision", "head_revision", "migrate", "normalise_url"]
