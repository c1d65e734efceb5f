"""Export forecasts to files named after the city."""
import json
import re

from weather.client import get_forecast


def _city_slug(city: str) -> str:
    s = city.lower().strip()
    s = re.sub(r"[^a-z0-9]+", "-", s)
    return s.strip("-")


def export(city: str, out_dir: str) -> str:
    path = f"{out_dir}/{_city_slug(city)}.json"
    with open(path, "w") as f:
        json.dump(get_forecast(city), f)
    return path
