"""HTTP client for the forecast API."""
import requests

BASE_URL = "https://api.example.com/v2"


def get_forecast(city: str) -> dict:
    resp = requests.get(f"{BASE_URL}/forecast", params={"city": city}, timeout=10)
    resp.raise_for_status()
    return resp.json()
