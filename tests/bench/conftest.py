import pytest


@pytest.fixture(autouse=True)
def bench_media_root(settings, tmp_path):
    """Uploaded benchmark files go to a temporary MEDIA_ROOT and private root."""
    settings.MEDIA_ROOT = tmp_path / "media"
    entry = settings.STORAGES["imports"]
    options = {**entry["OPTIONS"], "location": tmp_path / "private"}
    settings.STORAGES = {**settings.STORAGES, "imports": {**entry, "OPTIONS": options}}
    return settings.MEDIA_ROOT
