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


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Deal attachments (the world's, and those the sweep uploads) go to a directory of this test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
