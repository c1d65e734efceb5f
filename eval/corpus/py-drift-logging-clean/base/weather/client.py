"""HTTP client for the forecast API."""
import logging

import requests

BASE_URL = "https://api.example.com/v2"

log = logging.getLogger(__name__)


def get_forecast(city: str) -> dict:
    log.debug("forecast for %s", city)
    resp = requests.get(f"{BASE_URL}/forecast", params={"city": city}, timeout=10)
    resp.raise_for_status()
    return resp.json()
