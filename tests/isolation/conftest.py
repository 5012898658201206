import logging

import pytest


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """Thousands of deliberate 404s and 403s: the sweep reports what matters (including 500s) itself."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)
