# A plugin whose dependency is missing on purpose: test_plugins checks the error message.
import forecast_plugin_sdk_missing  # noqa: F401
