"""Alembic revisions of a schema: generation, the environment, and the runtime helpers
that generated revisions call."""
