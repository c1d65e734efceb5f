from fastapi import FastAPI

from .client import get_forecast

app = FastAPI()


@app.get("/forecast/{city}")
async def forecast(city: str) -> dict:
    return await get_forecast(city)
