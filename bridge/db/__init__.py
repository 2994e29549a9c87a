"""Persistence: SQLAlchemy models, engine/session set-up and the repositories that own the SQL."""
