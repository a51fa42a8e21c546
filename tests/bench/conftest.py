import pytest
from django.test import override_settings

from tests.bench import history


@pytest.fixture(autouse=True)
def bench_media_root(settings, tmp_path):
    """Uploaded benchmark files go to a temporary MEDIA_ROOT and private root."""
    settings.MEDIA_ROOT = tmp_path / "media"
    entry = settings.STORAGES["imports"]
    options = {**entry["OPTIONS"], "location": tmp_path / "private"}
    settings.STORAGES = {**settings.STORAGES, "imports": {**entry, "OPTIONS": options}}
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def society(django_db_setup, django_db_blocker):
    """10,000 members with 20 years of history (tests/bench/history.py), committed: built once
    for the benchmarks that ask for it (the member pages, gunicorn), removed at the end.
    Yields the first member and MEMBERS_LOGGED_IN members' session cookies, signed with
    ``history.SECRET_KEY`` (the key the benchmark's server runs with). Its users are rolled-back
    database tests, which pytest-django runs before the transactional ones (those flush it)."""
    with django_db_blocker.unblock():
        member = history.build()
        with override_settings(SECRET_KEY=history.SECRET_KEY):
            cookies = history.session_cookies(history.MEMBERS_LOGGED_IN)
        yield member, cookies
        history.wipe()
