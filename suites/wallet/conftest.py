"""Shared pieces of the wallet suite."""

import pytest


@pytest.fixture
def wallet(pulse, transport):
    """``wallet(method, **params)``: a private wallet call of the maker over the parametrized transport."""
    api = pulse("maker", transport)
    return lambda method, **params: api.call(method, **params)
