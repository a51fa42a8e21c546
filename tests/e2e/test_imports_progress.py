"""A 20,000-row member list imported in the browser with the production task set-up: the app
runs as ``make run`` runs it (``manage.py devserver``: runserver and a ``db_worker`` beside it,
``TASKS_BACKEND=database``). The staff member (password and authenticator code) uploads the
file, watches the rows checked move on the job page without reloading it, sees the preview's
counts, confirms, sees the import's phase (the rows the preview checked are loaded, re-checked
and written) and the result, whose every row can be paged through.
Stopping the server stops its worker.
"""

import base64
import os
import re

import pytest
from playwright.sync_api import expect

from membership.demo import DEMO_STAFF_PASSWORD, DEMO_STAFF_USERNAME
from tests.e2e.conftest import browser_page, running_app
from tests.e2e.helpers import shoot, staff_log_in_with_password, totp_code
from tests.imports.data import csv_bytes, member_rows

pytestmark = pytest.mark.e2e

ROWS = 20_000  # member numbers 1000001-1020000: none of the demo members
# The staff member's authenticator app, enrolled beforehand (RFC 6238's test key).
TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
SETUP = f"""
from django_otp.plugins.otp_totp.models import TOTPDevice
from membership.models import User
TOTPDevice.objects.create(user=User.objects.get(username="{DEMO_STAFF_USERNAME}"), name="認証アプリ",
    confirmed=True, key="{TOTP_KEY_HEX}")
"""
# ms a step of 20,000 rows may take on a busy 2-core machine: CI once needed more than 180 s.
# Fewer rows would not do: on a quiet machine 8,000 rows are checked between two polls of the page.
FINISHED = 600_000
APPLY_PHASES = re.compile(
    "処理の開始を待っています|確認した内容を読み込んでいます|確認の後に変わった内容がないか確かめて.*まとめて書き込んでいます"
)

# True once the rows-checked counter shows a count strictly between 0 and the file's rows, other
# than the one it showed when loaded, on the page as it was loaded (a reload loses the marker).
SEEN_MOVING = """([total]) => {
    const counter = document.getElementById("job-step-check");
    if (!counter || window.progressMarker !== true || counter.textContent === window.progressFirst) return false;
    const match = counter.textContent.match(/^([\\d,]+) \\/ ([\\d,]+) 行$/);
    if (!match) return false;
    const checked = Number(match[1].replace(/,/g, ""));
    return checked > 0 && checked < total && Number(match[2].replace(/,/g, "")) === total;
}"""


@pytest.fixture(scope="module")
def worker_app():
    with running_app(command=("devserver",), setup=SETUP, TASKS_BACKEND="database") as app:
        yield app


@pytest.fixture
def staff_page(browser, worker_app):
    with browser_page(browser, worker_app.url, "desktop") as page:
        staff_log_in_with_password(page, DEMO_STAFF_USERNAME, DEMO_STAFF_PASSWORD)
        expect(page.get_by_role("heading", name="2段階認証")).to_be_visible()
        page.get_by_label("確認コード").fill(totp_code(base64.b32encode(bytes.fromhex(TOTP_KEY_HEX)).decode()))
        page.get_by_role("button", name="確認する").click()
        expect(page).to_have_url(re.compile(r"/admin/$"))
        yield page


def watch_rows_checked_move(page):
    """Wait until the job page, without reloading, shows some but not all rows checked."""
    expect(page.locator("#job-progress")).to_be_visible()
    page.evaluate(
        '() => { window.progressMarker = true; window.progressFirst = document.getElementById("job-step-check").textContent; }'
    )
    page.wait_for_function(SEEN_MOVING, arg=[ROWS], timeout=FINISHED, polling=100)


def test_a_large_import_shows_its_progress_live(staff_page, artifacts_dir):
    page = staff_page
    console_errors = []  # a script refused by the CSP, or failing, shows here
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.goto("/admin/imports/new/?kind=members")
    page.get_by_label("ファイル").set_input_files(
        {"name": "会員名簿.csv", "mimeType": "text/csv", "buffer": csv_bytes(member_rows(ROWS, start=1_000_000))}
    )
    page.get_by_role("button", name="アップロードして内容を確認").click()

    # Queued for the worker, then read, then checked: the counter moves on the page as it is.
    expect(page).to_have_url(re.compile(r"/admin/imports/\d+/$"))
    expect(page.locator("#job-state")).to_have_text("確認中")
    watch_rows_checked_move(page)
    expect(page.locator("#job-step-read")).to_have_text("20,000 行")
    expect(page.locator("#job-phase")).to_contain_text("内容を確認しています")
    shoot(page, artifacts_dir, "imports-progress-desktop-preview")

    # Done: the page reloads itself with the counts.
    expect(page.locator("#job-state")).to_have_text("確認待ち", timeout=FINISHED)
    expect(page.locator("#count-new")).to_have_text("20,000")
    expect(page.locator("#count-error")).to_have_text("0")

    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("取込を開始しました。この画面を離れても処理は続きます。")).to_be_visible()
    # The import does not check the file again: it loads the rows the preview checked, re-checks
    # what others may have changed since and writes them (imports/plans.py), a few seconds that
    # the page follows by itself (its poll, then a reload once done) from the phase shown now.
    expect(page.locator("#job-state")).to_have_text("取込中")
    expect(page.locator("#job-phase")).to_have_text(APPLY_PHASES)
    expect(page.locator("#job-step-write")).to_have_text(re.compile("待機中|書き込み中"))
    shoot(page, artifacts_dir, "imports-progress-desktop-apply")

    expect(page.locator("#job-state")).to_have_text("取込済", timeout=FINISHED)
    expect(page.get_by_text("取り込みました。新規 20,000件、更新 0件、変更なし 0件。")).to_be_visible()
    expect(page.locator("#job-progress")).to_have_count(0)

    # Every row stays reachable: the next page of 新規, and its download.
    page.get_by_role("navigation", name="新規のページ").get_by_role("link", name="次へ").click()
    expect(page).to_have_url(re.compile(r"\?rows=new&p=2#rows-new$"))
    expect(page.get_by_role("table", name="新規").get_by_role("cell", name="52行目", exact=True)).to_be_visible()
    expect(page.get_by_text("51〜100件目を表示しています。")).to_be_visible()
    with page.expect_download() as download:
        page.locator("#rows-new + p").get_by_role("link", name="CSV").click()
    assert re.fullmatch(r"取込\d+_新規\.csv", download.value.suggested_filename)
    shoot(page, artifacts_dir, "imports-progress-desktop-result")
    assert console_errors == []


def test_stopping_the_server_stops_its_worker(worker_app):
    match = re.search(r"db_worker started \(pid (\d+)\)", worker_app.log())
    assert match, worker_app.log()
    worker_pid = int(match.group(1))
    assert alive(worker_pid)
    worker_app.stop()
    assert not alive(worker_pid)
    assert f"db_worker (pid {worker_pid}) stopped." in worker_app.log()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
