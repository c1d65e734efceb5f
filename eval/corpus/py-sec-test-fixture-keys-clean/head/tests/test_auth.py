import pytest
import jwt

from tests.fixtures.tokens import TEST_KEY, VALID
from weather.auth import verify


def test_rejects_wrong_key():
    with pytest.raises(jwt.InvalidSignatureError):
        verify(VALID, TEST_KEY + "x")
