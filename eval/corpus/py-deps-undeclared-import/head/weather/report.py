"""Weekly report of forecasts as a table."""
import pandas as pd

from weather.client import get_forecast


def weekly_table(cities: list[str]) -> str:
    rows = []
    for city in cities:
        f = get_forecast(city)
        rows.append({"city": city, "high": f["high"], "low": f["low"]})
    return pd.DataFrame(rows).to_string(index=False)
