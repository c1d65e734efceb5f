"""Saved cities, in SQLite."""
import sqlite3


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS cities (user TEXT, name TEXT)")
    return conn


def cities_of(conn: sqlite3.Connection, user: str) -> list[str]:
    rows = conn.execute(f"SELECT name FROM cities WHERE user = '{user}' ORDER BY name")
    return [r[0] for r in rows]
