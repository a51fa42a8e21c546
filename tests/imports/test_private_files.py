"""Uploaded import files are personal data: private storage, no URL, deleted after the retention period."""

import datetime
import importlib
import io
import stat
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import clear_url_caches, reverse
from django.utils import timezone

from imports import services
from imports.models import ImportJob
from tests.imports.conftest import set_private_root
from tests.imports.data import csv_bytes, member_rows

pytestmark = pytest.mark.django_db

State = ImportJob.State


def stored_path(root, job):
    return Path(root) / job.file.name


def tree(root):
    return sorted(path for path in Path(root).rglob("*") if path.is_file()) if Path(root).exists() else []


# --- where the file lives ----------------------------------------------------------------------
def test_the_upload_is_stored_under_the_private_root_not_media_root(preview, private_root, media_root):
    data = csv_bytes(member_rows(3))
    job = preview(data)

    path = stored_path(private_root, job)
    assert path.is_file() and path.read_bytes() == data
    assert tree(private_root) == [path]
    assert tree(media_root) == []
    assert not Path(job.file.path).is_relative_to(media_root)
    # Readable by the app's user only.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Read back through the storage API, as the services do.
    with job.file.open("rb") as handle:
        assert handle.read() == data


def test_the_storage_follows_the_settings(settings, preview, tmp_path):
    elsewhere = set_private_root(settings, tmp_path / "elsewhere")
    job = preview(csv_bytes(member_rows(1)))
    assert stored_path(elsewhere, job).is_file()


def test_the_storage_gives_no_url(preview):
    job = preview(csv_bytes(member_rows(1)))
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018
    with pytest.raises(ValueError):
        storages["imports"].url(job.file.name)
    assert job.file.storage.base_url is None


@pytest.fixture
def debug_urls(settings):
    """The project's URLconf as it is built with DEBUG on (MEDIA_ROOT served at /media/)."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_media_url_does_not_serve_the_upload_in_debug(client, preview, media_root, debug_urls):
    job = preview(csv_bytes(member_rows(2)))

    assert client.get(f"/media/{job.file.name}").status_code == 404

    # The route itself works: a file that is under MEDIA_ROOT is served.
    public = Path(media_root) / "public.txt"
    public.parent.mkdir(parents=True, exist_ok=True)
    public.write_text("public")
    assert client.get("/media/public.txt").status_code == 200


# --- system checks -------------------------------------------------------------------------------
def check_ids():
    return {message.id for message in run_checks() if message.id.startswith("imports.")}


def test_system_checks_accept_the_private_storage():
    assert check_ids() == set()


def test_system_checks_refuse_a_storage_with_urls(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    assert check_ids() == {"imports.E002"}


def test_system_checks_refuse_a_private_root_inside_media_root(settings, media_root):
    set_private_root(settings, Path(media_root) / "private")
    assert check_ids() == {"imports.E003"}


# --- retention -----------------------------------------------------------------------------------
def make_job(superuser, state, *, finished_days_ago=None, created_days_ago=0, rows=1):
    job = services.create_job(
        user=superuser, kind="members", uploaded_file=io.BytesIO(csv_bytes(member_rows(rows, start=len(state))))
    )
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        state=state,
        created_at=now - datetime.timedelta(days=created_days_ago),
        finished_at=None if finished_days_ago is None else now - datetime.timedelta(days=finished_days_ago),
    )
    job.refresh_from_db()
    return job


def purge(*args):
    out = io.StringIO()
    call_command("purge_import_files", *args, stdout=out)
    return out.getvalue()


def test_purge_deletes_the_files_of_old_finished_jobs_only(superuser, private_root):
    old = [
        make_job(superuser, State.APPLIED, finished_days_ago=91, created_days_ago=92),
        make_job(superuser, State.FAILED, finished_days_ago=120, created_days_ago=120),
        make_job(superuser, State.CANCELLED, finished_days_ago=100, created_days_ago=101),
    ]
    kept = [
        make_job(superuser, State.APPLIED, finished_days_ago=10, created_days_ago=10),  # recent
        make_job(superuser, State.CANCELLED, finished_days_ago=89, created_days_ago=200),  # recent enough
        make_job(superuser, State.PREVIEWED, created_days_ago=200),  # waiting for confirmation
        make_job(superuser, State.PREVIEWING, created_days_ago=200),  # running
        make_job(superuser, State.APPLYING, created_days_ago=200),  # running
        make_job(superuser, State.UPLOADED, created_days_ago=200),
    ]
    paths = {job.pk: stored_path(private_root, job) for job in old + kept}
    assert all(path.is_file() for path in paths.values())

    assert purge().startswith("3 import file(s) deleted")

    for job in old:
        job.refresh_from_db()
        assert not paths[job.pk].exists()
        assert not job.file
        assert job.file_deleted_at is not None and job.file_retention_days == 90
        # The record stays: name, hash and size of what was imported.
        assert job.file_name and len(job.file_sha256) == 64 and job.file_size > 0
    for job in kept:
        job.refresh_from_db()
        assert paths[job.pk].is_file()
        assert job.file and job.file_deleted_at is None

    # Idempotent: nothing more to delete.
    assert purge().startswith("0 import file(s) deleted")
    assert sum(path.is_file() for path in paths.values()) == len(kept)


def test_purge_days_option(superuser, private_root):
    recent = make_job(superuser, State.APPLIED, finished_days_ago=10, created_days_ago=10)
    assert purge("--days", "30").startswith("0 import file(s)")
    assert purge("--days", "7").startswith("1 import file(s) deleted")
    recent.refresh_from_db()
    assert recent.file_retention_days == 7
    assert tree(private_root) == []


def test_purge_marks_a_job_whose_file_is_already_gone(superuser, private_root):
    job = make_job(superuser, State.FAILED, finished_days_ago=100, created_days_ago=100)
    stored_path(private_root, job).unlink()
    out = purge()
    assert out.startswith("0 import file(s) deleted") and "1 job(s) whose file was already gone" in out
    job.refresh_from_db()
    assert not job.file and job.file_deleted_at is not None
    assert "already gone" not in purge()


def test_the_job_page_says_the_file_was_deleted_and_keeps_the_report(admin_client, import_file, private_root):
    job = import_file(csv_bytes(member_rows(3)))
    assert job.state == State.APPLIED and job.new_count == 3
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(days=91))
    url = reverse("imports:job", args=[job.pk])
    assert "元のファイル" not in admin_client.get(url).content.decode()

    purge()

    response = admin_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "元のファイルは保存期間(90日)を過ぎたため削除しました" in body
    assert job.file_name in body and job.file_sha256 in body
    assert '<td id="count-new">3</td>' in body
    assert "取り込みました。" in body
    assert tree(private_root) == []
    # The list and the errors download still work without the file.
    assert admin_client.get(reverse("imports:index")).status_code == 200
    assert admin_client.get(reverse("imports:errors", args=[job.pk])).status_code == 200
