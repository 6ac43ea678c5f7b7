"""Alembic environment of a schema-tools revision directory.

Works with ``schema-tools upgrade/downgrade`` and with the plain ``alembic`` command, in
online mode and in offline ``--sql`` mode.  The URL comes from ``-x url=...``, the
``SCHEMA_TOOLS_URL`` environment variable, or ``sqlalchemy.url`` in alembic.ini;
``mariadb://`` and ``mysql://`` URLs are accepted as schema-tools writes them.
"""

import os

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config


def _url() -> str:
    url = (context.get_x_argument(as_dictionary=True).get("url")
           or os.environ.get("SCHEMA_TOOLS_URL")
           or config.get_main_option("sqlalchemy.url"))
    if not url:
        raise SystemExit("no database URL: pass -x url=mariadb://user@host/db or set SCHEMA_TOOLS_URL")
    scheme, sep, rest = url.partition("://")
    if "+" not in scheme and scheme in ("mysql", "mariadb"):
        url = f"mysql+pymysql://{rest}"
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"},
                      transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
