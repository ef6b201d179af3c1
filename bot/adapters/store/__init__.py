"""Storage: SQLAlchemy models, engines and sessions, Alembic migrations."""
