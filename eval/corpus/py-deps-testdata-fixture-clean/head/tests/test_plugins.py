import pytest

from weather.plugins import PluginError, load


def test_broken_plugin_reports_missing_dependency():
    with pytest.raises(PluginError, match="cannot be imported"):
        load("tests.testdata.broken_plugin")
