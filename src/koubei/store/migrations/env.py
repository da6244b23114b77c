"""Alembic environment: runs migrations on the engine handed over by `koubei.store.migrate`."""

from alembic import context

from koubei.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",  # SQLite can only ALTER through table copies
    )
    context.run_migrations()
