"""Saved cities, in SQLite."""
import sqlite3


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS cities (user TEXT, name TEXT)")
    return conn
