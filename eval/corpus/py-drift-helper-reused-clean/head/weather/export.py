"""Export forecasts to files named after the city."""
import json

from weather.client import get_forecast
from weather.text import slugify


def export(city: str, out_dir: str) -> str:
    path = f"{out_dir}/{slugify(city)}.json"
    with open(path, "w") as f:
        json.dump(get_forecast(city), f)
    return path
