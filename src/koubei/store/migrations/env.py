"""Alembic environment: runs migrations on the connection handed over by `koubei.store.migrate`.

That connection is already in a transaction holding the migration lock; Alembic joins it, and `migrate` commits.
"""

from alembic import context

from koubei.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite can only ALTER through table copies
)
with context.begin_transaction():
    context.run_migrations()
