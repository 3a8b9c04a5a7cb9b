"""What an operator runs around an instance rather than inside it: backups and restores
(`backup.py`, `restore.py`, their archive's format in `archive.py`) and moving the
database from SQLite to PostgreSQL (`db_copy.py`). Each is a command of `fedlocal`
(fedlocal/cli/operations.py) and fails with one line naming the problem, leaving
nothing half-written."""

from .errors import OperationFailed

__all__ = ["OperationFailed"]
