import click

from weather.client import get_forecast


@click.command()
@click.argument("city")
def main(city: str) -> None:
    forecast = get_forecast(city)
    click.echo(f"{city}: {forecast['summary']}")
