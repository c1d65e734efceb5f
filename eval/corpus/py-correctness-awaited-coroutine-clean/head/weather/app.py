from fastapi import FastAPI

from .client import get_forecast

app = FastAPI()


@app.get("/forecast/{city}")
async def forecast(city: str) -> dict:
    return await get_forecast(city)


@app.get("/alerts/{city}")
async def alerts(city: str) -> dict:
    data = await get_forecast(city)
    if data["storm_warning"]:
        return {"city": city, "alert": "storm"}
    return {"city": city, "alert": None}
