from __future__ import annotations

import ast
import typing as t

import click

if t.TYPE_CHECKING:
    from .app import Flask


class NoAppException(click.UsageError):
    """Raised if an application cannot be found or loaded."""
