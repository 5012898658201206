import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """``api(user)``: an API client logged in as ``user`` (session authentication); ``api()``: anonymous."""

    def make(user=None, **kwargs):
        client = APIClient(**kwargs)
        if user is not None:
            client.force_login(user)
        return client

    return make
