"""Favourite cities of a session."""


def add_favorite(city: str, favorites: list[str] = []) -> list[str]:
    if city not in favorites:
        favorites.append(city)
    return favorites
