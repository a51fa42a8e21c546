"""A job whose process was killed mid-preview or mid-apply: nothing written, and staff can act again.

The process is real: a child starts the step on the test database, gets stuck in the middle
(after writing its rows, inside the apply's transaction; or after a progress update of the
preview) and is killed with SIGKILL. PostgreSQL only (row locks and a second connection).
"""

import datetime
import threading

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from imports import services
from imports.models import ImportJob
from membership.models import Member
from tests import processes
from tests.imports.data import csv_bytes, member_rows

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a killed process and row locks: PostgreSQL only"),
]

State = ImportJob.State


def kill_mid(mode, job, tmp_path, private_root):
    marker = tmp_path / f"stuck-{mode}"
    processes.kill_when_stuck(
        ["-m", "tests.imports.interrupted_child", mode, str(job.pk), str(marker)],
        marker,
        PRIVATE_FILES_ROOT=private_root,
        TASKS_BACKEND="immediate",
    )
    job.refresh_from_db()
    return job


def after_the_lease():
    lease = getattr(settings, "IMPORTS_LEASE_SECONDS", 600)
    return time_machine.travel(timezone.now() + datetime.timedelta(seconds=lease + 60), tick=True)


def test_an_import_killed_while_writing_wrote_nothing_and_can_be_confirmed_again(
    admin_client, preview, private_root, tmp_path
):
    job = preview(csv_bytes(member_rows(3)))
    assert job.state == State.PREVIEWED

    job = kill_mid("apply", job, tmp_path, private_root)
    assert job.state == State.APPLYING  # as the killed process left it
    assert Member.objects.count() == 0  # its transaction died with it

    # While the lease runs the job still looks busy: the process might just be slow.
    page = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "取込中" in page and "途中で止まりました" not in page

    with after_the_lease():
        page = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
        assert "取込の処理が途中で止まりました" in page and "何も取り込んでいません" in page
        assert 'id="import-confirm-form"' in page and "取り消す" in page
        response = admin_client.post(reverse("imports:confirm", args=[job.pk]), follow=True)
    assert "取り込みました" in response.content.decode()
    job.refresh_from_db()
    assert job.state == State.APPLIED and job.message == ""
    assert Member.objects.count() == 3


def test_an_import_killed_while_previewing_can_be_cancelled_or_checked_again(
    admin_client, superuser, private_root, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("members.csv", csv_bytes(member_rows(4)))
    job = services.create_job(user=superuser, kind="members", uploaded_file=upload)

    job = kill_mid("preview", job, tmp_path, private_root)
    assert job.state == State.PREVIEWING and job.processed_rows == 1

    with after_the_lease():
        status = admin_client.get(reverse("imports:status", args=[job.pk])).json()
        assert status["running"] is False and status["state_label"] == "アップロード済"  # the page reloads
        page = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
        assert "確認の処理が途中で止まりました" in page and "もう一度確認する" in page and "取り消す" in page
        admin_client.post(reverse("imports:preview", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == State.PREVIEWED and job.total_rows == 4 and job.new_count == 4

    # Killed again, this time cancelled.
    job = ImportJob.objects.get(pk=services.create_job(
        user=superuser, kind="members", uploaded_file=SimpleUploadedFile("again.csv", csv_bytes(member_rows(2)))
    ).pk)  # fmt: skip
    job = kill_mid("preview", job, tmp_path, private_root)
    with after_the_lease():
        response = admin_client.post(reverse("imports:cancel", args=[job.pk]), follow=True)
    assert "を取り消しました" in response.content.decode()
    job.refresh_from_db()
    assert job.state == State.CANCELLED and Member.objects.count() == 0


def test_a_job_being_written_is_not_released_even_after_the_lease(preview):
    """The apply's transaction holds the job's row: a live writer, however long it takes."""
    job = preview(csv_bytes(member_rows(2)))
    ImportJob.objects.filter(pk=job.pk).update(state=State.APPLYING, heartbeat_at=timezone.now())
    locked, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                ImportJob.objects.select_for_update().get(pk=job.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert locked.wait(10)
        with after_the_lease():
            job.refresh_from_db()
            assert services.release_if_stalled(job=job).state == State.APPLYING
            assert services.release_stalled_jobs() == 0
    finally:
        release.set()
        thread.join()
    with after_the_lease():
        assert services.release_stalled_jobs() == 1
    job.refresh_from_db()
    assert job.state == State.PREVIEWED
