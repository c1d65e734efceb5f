"""Severe-weather alerts."""
from weather.client import get_forecast


def severe_alerts(city: str) -> list[dict]:
    forecast = get_forecast(city)
    print("forecast", forecast)
    return [a for a in forecast.get("alerts", []) if a.get("level", 0) >= 3]
