"""Load forecast plugins by module name."""
import importlib


class PluginError(Exception):
    pass


def load(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise PluginError(f"plugin {name} cannot be imported: {exc}") from exc
