import pytest


@pytest.fixture(autouse=True)
def bench_media_root(settings, tmp_path):
    """Uploaded benchmark files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
