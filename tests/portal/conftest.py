import pytest

from tests.portal.helpers import reset_throttles


@pytest.fixture(autouse=True)
def fresh_throttles():
    """The sign-in counters live in Redis across tests: every test starts with none."""
    reset_throttles()
    yield
    reset_throttles()
