"""Persistence for studyapp: typed SQLAlchemy 2 models, the engine factory and Alembic migrations.

This package knows SQLAlchemy and nothing of the UI: it must not import Textual, Keras or
TensorFlow. There is no global engine; callers build one from a URL with `db.engine.open_engine`.
"""
