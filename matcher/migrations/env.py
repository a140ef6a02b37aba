"""Alembic environment: the target is SQLModel.metadata; the URL comes from the matcher app."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from matcher import (
    models,  # noqa: F401  (registers the tables)
    partitions,
    pepper_record,  # noqa: F401  (registers its table)
)
from matcher.db import make_engine
from matcher.notifications import records  # noqa: F401  (registers the notifications' tables)

config = context.config
target_metadata = SQLModel.metadata


def _database_url() -> str:
    given = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if given:
        return str(given)
    from matcher import create_app

    return str(create_app().config["DATABASE_URL"])


def run_offline() -> None:
    """Write the SQL instead of running it (alembic upgrade --sql)."""
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=partitions.include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate the database; SQLite gets batch mode (table copies) for its limited ALTER."""
    engine = make_engine(_database_url())
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                include_name=partitions.include_name,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
