"""HTTP client for the forecast API."""
import requests
from requests_cache_guard import CachedSession

BASE_URL = "https://api.example.com/v2"
_session = CachedSession(expire_after=600)


def get_forecast(city: str) -> dict:
    resp = _session.get(f"{BASE_URL}/forecast", params={"city": city}, timeout=10)
    resp.raise_for_status()
    return resp.json()
