import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from tests.factories import UserFactory
from tests.two_factor import log_in_staff


def set_private_root(settings, path):
    """Point the private ``imports`` storage (STORAGES["imports"]) at ``path``."""
    entry = settings.STORAGES["imports"]
    settings.STORAGES = {**settings.STORAGES, "imports": {**entry, "OPTIONS": {**entry["OPTIONS"], "location": path}}}
    return path


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Public uploads go to a temporary MEDIA_ROOT (import files must never land there)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Uploaded import files go to a temporary private root, next to (not inside) MEDIA_ROOT."""
    return set_private_root(settings, tmp_path / "private")


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", email="admin@example.jp", kind="staff", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    log_in_staff(client, superuser)
    return client


@pytest.fixture
def preview(superuser):
    """Upload a file and preview it through the services the admin uses; returns the job."""

    def run(data, name="members.csv", kind="members", user=None):
        upload = SimpleUploadedFile(name, data)
        return services.upload(user=user or superuser, kind=kind, uploaded_file=upload)

    return run


@pytest.fixture
def import_file(preview, superuser):
    """Preview and confirm a file; returns the job after applying."""

    def run(data, name="members.csv", kind="members", user=None):
        job = preview(data, name=name, kind=kind, user=user)
        assert job.state == "previewed" and not job.error_count, (job.state, job.message, job.result["errors"][:5])
        return services.start_apply(job=job, user=user or superuser)

    return run
