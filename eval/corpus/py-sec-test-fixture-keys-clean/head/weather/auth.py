"""Verify the signed tokens the forecast API sends back."""
import jwt


def verify(token: str, key: str) -> dict:
    return jwt.decode(token, key, algorithms=["HS256"], audience="weather")
