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


def email_alert(to: str, city: str, low: float) -> None:
    import smtplib
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["To"], msg["Subject"] = to, f"Frost warning for {city}"
    msg.set_content(f"Tomorrow's low in {city}: {low} °C")
    with smtplib.SMTP("localhost") as smtp:
        smtp.send_message(msg)
