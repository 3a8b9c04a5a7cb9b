"""Alembic environment. Migrations run on a connection handed over by
`fedlocal.store.migrate` (`config.attributes["connection"]`), so the same code path serves
`fedlocal migrate`, `fedlocal serve` and the tests, on SQLite and PostgreSQL."""

from alembic import context

from fedlocal.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `fedlocal migrate --config FILE`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
