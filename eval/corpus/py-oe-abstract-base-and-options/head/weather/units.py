"""Temperature conversion."""
from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass
class ConverterConfig:
    precision: int = 1
    rounding_mode: str = "half-even"
    allow_negative_kelvin: bool = False
    cache_results: bool = True
    strict: bool = False


class BaseConverter(ABC):
    def __init__(self, config: ConverterConfig | None = None):
        self.config = config or ConverterConfig()

    @abstractmethod
    def convert(self, value: float) -> float: ...


class CelsiusToFahrenheit(BaseConverter):
    def convert(self, value: float) -> float:
        return round(value * 9 / 5 + 32, self.config.precision)


def to_fahrenheit(celsius: float) -> float:
    return CelsiusToFahrenheit().convert(celsius)
