"""Persistence on one SQLite file through aiosqlite. Never imports telegram."""

from storage.database import Database, open_database

__all__ = ["Database", "open_database"]
