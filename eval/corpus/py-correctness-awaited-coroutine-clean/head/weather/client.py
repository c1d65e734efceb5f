"""Async client for the forecast API."""
import httpx

BASE_URL = "https://api.example.com/v2"


async def get_forecast(city: str) -> dict:
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.get(f"{BASE_URL}/forecast", params={"city": city})
        resp.raise_for_status()
        return resp.json()
