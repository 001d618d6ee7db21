import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Export files go to a private directory of their own per test."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PORTAL_BASE_URL = "https://portal.example"
