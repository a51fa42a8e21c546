"""How far a running import is: the job's phase and rows read, checked and written, as the job
page shows them and its script polls them (the status JSON). The browser side is
tests/e2e/test_imports_progress.py."""

import pytest
from django.urls import reverse

from imports import plans, services
from imports.models import ImportJob
from imports.registry import registry
from membership.models import Member
from tests.imports.data import csv_bytes, member_rows
from tests.imports.test_admin import upload

pytestmark = pytest.mark.django_db

ROWS = 12


@pytest.fixture
def background(settings, monkeypatch, django_capture_on_commit_callbacks):
    """Every file runs as a task (the immediate backend: the task runs once the request's
    transaction commits), and the member-list import reports progress every 5 rows.
    Returns ``run(callable)``, which runs the tasks the callable queued."""
    settings.IMPORTS_BACKGROUND_ROWS = 5
    monkeypatch.setattr(registry.get("members"), "progress_every", 5)

    def run(step):
        with django_capture_on_commit_callbacks(execute=True):
            return step()

    return run


@pytest.fixture
def statuses(admin_client, monkeypatch):
    """The status JSON as the page's script would read it at every progress update of the job."""
    seen = []
    record = services._progress

    def progress_then_poll(job_id, count, **changes):
        record(job_id, count, **changes)
        seen.append(admin_client.get(reverse("imports:status", args=[job_id])).json())

    monkeypatch.setattr(services, "_progress", progress_then_poll)
    return seen


def summary(status):
    return (status["phase"], status["read_rows"], status["processed_rows"], status["written_rows"], status["running"])


def step_texts(status):
    return {step["key"]: step["text"] for step in status["steps"]}


def test_a_preview_reports_reading_then_rows_checked(admin_client, background, statuses):
    background(lambda: upload(admin_client, csv_bytes(member_rows(ROWS))))
    job = ImportJob.objects.get()
    assert [summary(status) for status in statuses] == [
        ("reading", 0, 0, 0, True),
        ("checking", ROWS, 0, 0, True),
        ("checking", ROWS, 5, 0, True),
        ("checking", ROWS, 10, 0, True),
    ]
    assert statuses[0]["phase_text"] == "ファイルを読み込んでいます。"
    assert step_texts(statuses[0]) == {"read": "読み込み中", "check": "待機中"}
    assert statuses[2]["phase_text"] == "内容を確認しています(5 / 12 行)。"
    assert step_texts(statuses[2]) == {"read": "12 行", "check": "5 / 12 行"}
    assert statuses[2]["percent"] == 42

    done = admin_client.get(reverse("imports:status", args=[job.pk])).json()
    assert summary(done) == ("", ROWS, ROWS, 0, False)
    assert done["state"] == "previewed"


def test_an_import_reports_the_checked_rows_loaded_then_writing_then_rows_written(
    admin_client, background, statuses, monkeypatch
):
    """The preview kept what it checked (``imports.plans``): the import loads it, chunk by chunk
    (here 5 rows a chunk), instead of checking the file again, then re-checks and writes."""
    monkeypatch.setattr(plans, "CHUNK_ROWS", 5)
    background(lambda: upload(admin_client, csv_bytes(member_rows(ROWS))))
    job = ImportJob.objects.get()
    statuses.clear()
    background(lambda: admin_client.post(reverse("imports:confirm", args=[job.pk])))
    assert [summary(status) for status in statuses] == [
        ("kept", ROWS, 0, 0, True),
        ("kept", ROWS, 5, 0, True),
        ("kept", ROWS, 10, 0, True),
        ("kept", ROWS, ROWS, 0, True),
        ("writing", ROWS, ROWS, 0, True),
    ]
    assert statuses[1]["phase_text"] == "確認した内容を読み込んでいます(5 / 12 行)。"
    assert step_texts(statuses[1]) == {"read": "12 行", "check": "5 / 12 行", "write": "待機中"}
    assert statuses[-1]["phase_text"] == (
        "確認の後に変わった内容がないか確かめて、12 行をまとめて書き込んでいます"
        "(全件を取り込むか、何も変更しないかのどちらかです)。"
    )
    assert step_texts(statuses[-1])["write"] == "書き込み中"
    assert Member.objects.count() == ROWS

    done = admin_client.get(reverse("imports:status", args=[job.pk])).json()
    assert summary(done) == ("", ROWS, ROWS, ROWS, False)
    assert (done["state"], step_texts(done)["write"]) == ("applied", "12 行")


def test_a_kind_that_keeps_no_plan_reports_checking_again_then_writing(admin_client, background, statuses, monkeypatch):
    monkeypatch.setattr(registry.get("members"), "keeps_plan", False)
    background(lambda: upload(admin_client, csv_bytes(member_rows(ROWS))))
    job = ImportJob.objects.get()
    statuses.clear()
    background(lambda: admin_client.post(reverse("imports:confirm", args=[job.pk])))
    assert [summary(status) for status in statuses] == [
        ("reading", 0, 0, 0, True),
        ("checking", ROWS, 0, 0, True),
        ("checking", ROWS, 5, 0, True),
        ("checking", ROWS, 10, 0, True),
        ("writing", ROWS, ROWS, 0, True),
    ]
    assert statuses[2]["phase_text"] == "取り込む前にもう一度内容を確認しています(5 / 12 行)。"
    assert step_texts(statuses[2]) == {"read": "12 行", "check": "5 / 12 行", "write": "待機中"}
    assert step_texts(statuses[-1])["write"] == "書き込み中"
    assert Member.objects.count() == ROWS


def test_rows_written_counts_only_rows_that_changed(admin_client, background):
    background(lambda: upload(admin_client, csv_bytes(member_rows(ROWS))))
    background(lambda: admin_client.post(reverse("imports:confirm", args=[ImportJob.objects.get().pk])))
    background(lambda: upload(admin_client, csv_bytes(member_rows(ROWS + 3))))  # the same 12 and 3 new
    again = ImportJob.objects.latest("pk")
    background(lambda: admin_client.post(reverse("imports:confirm", args=[again.pk])))
    assert admin_client.get(reverse("imports:status", args=[again.pk])).json()["written_rows"] == 3


def test_the_running_page_loads_its_script_from_a_static_file(
    admin_client, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_BACKGROUND_ROWS = 5
    with django_capture_on_commit_callbacks(execute=False) as queued:
        upload(admin_client, csv_bytes(member_rows(ROWS)))
    job = ImportJob.objects.get()
    page = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert '<script src="/static/imports/job-progress.js" defer></script>' in page
    main = page[page.index('id="job-progress"') :]
    assert "<script>" not in main  # no inline script: the admin's CSP may block it
    assert 'id="job-phase">処理の開始を待っています。<' in page
    assert '<span id="job-step-read">待機中</span>' in page

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    page = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "job-progress" not in page  # finished: no progress box, no polling


def test_a_released_job_starts_over_at_waiting(admin_client, settings, django_capture_on_commit_callbacks):
    settings.IMPORTS_BACKGROUND_ROWS = 5
    settings.IMPORTS_LEASE_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=False):
        upload(admin_client, csv_bytes(member_rows(ROWS)))
    job = ImportJob.objects.get()
    services._progress(job.pk, 10, phase=ImportJob.Phase.CHECKING)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=job.created_at.replace(year=2000))
    status = admin_client.get(reverse("imports:status", args=[job.pk])).json()
    assert (status["state"], status["phase"], status["processed_rows"], status["running"]) == ("uploaded", "", 0, False)
