"""HTTP client for the forecast API."""
from __future__ import annotations

from typing import TYPE_CHECKING

import requests

try:
    import orjson as _json
except ImportError:  # optional speed-up
    import json as _json

if TYPE_CHECKING:
    from mypy_extensions import TypedDict

BASE_URL = "https://api.example.com/v2"


def get_forecast(city: str) -> dict:
    resp = requests.get(f"{BASE_URL}/forecast", params={"city": city}, timeout=10)
    resp.raise_for_status()
    return _json.loads(resp.content)
