import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", email="admin@example.jp", kind="staff", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
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
