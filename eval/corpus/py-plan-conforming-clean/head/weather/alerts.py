"""Frost alerts."""
import click

from weather.client import get_forecast


@click.command()
@click.argument("city")
@click.option("--below", default=0.0, show_default=True, help="Threshold in °C.")
def alert(city: str, below: float) -> None:
    low = get_forecast(city)["tomorrow"]["low"]
    if low < below:
        click.echo(f"Frost warning for {city}: {low} °C")
