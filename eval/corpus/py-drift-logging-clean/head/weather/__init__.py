"""Weather alerts and forecasts."""
