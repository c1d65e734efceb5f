"""Module containing bug report helper(s)."""

# pyright: reportUnknownMemberType=false

import json
import platform
import ssl
import sys
from typing import Any

import idna
import urllib3

try:
    import charset_normalizer
except ImportError:
    charset_normalizer = None

try:
    import chardet  # type: ignore[import-not-found]
except ImportError:
    chardet = None

try:
    from urllib3.contrib import pyopenssl
except ImportError:
    pyopenssl = None
    OpenSSL = None
    cryptography = None
else:
    import cryptography  # type: ignore[import-not-found]
    import OpenSSL  # type: ignore[import-not-found]
