"""Favourite cities of a session."""

DEFAULT_UNITS = {"temperature": "C"}


def add_favorite(city: str, favorites: list[str] | None = None) -> list[str]:
    if favorites is None:
        favorites = []
    if city not in favorites:
        favorites.append(city)
    return favorites


def units(overrides: dict[str, str] = {}) -> dict[str, str]:
    return {**DEFAULT_UNITS, **overrides}
