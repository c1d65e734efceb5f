"""Severe-weather alerts."""
import logging

from weather.client import get_forecast

log = logging.getLogger(__name__)


def severe_alerts(city: str) -> list[dict]:
    forecast = get_forecast(city)
    log.debug("forecast for %s has %d alerts", city, len(forecast.get("alerts", [])))
    return [a for a in forecast.get("alerts", []) if a.get("level", 0) >= 3]
