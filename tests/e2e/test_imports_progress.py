"""A 150,000-row member list imported in the browser with the production task set-up: the app
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

ROWS = 150_000  # member numbers 1000001-1150000: none of the demo members
# The staff member's authenticator app, enrolled beforehand (RFC 6238's test key).
TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
SETUP = f"""
from django_otp.plugins.otp_totp.models import TOTPDevice
from membership.models import User
TOTPDevice.objects.create(user=User.objects.get(username="{DEMO_STAFF_USERNAME}"), name="認証アプリ",
    confirmed=True, key="{TOTP_KEY_HEX}")
"""
# ms a step may take on a busy 2-core machine: CI once needed more than 180 s for 20,000 rows.
# Since the checks went column by column and the collector pauses, a quiet machine checks 50,000
# rows between two of the page's one-second polls: 150,000 leave several polls to see it move.
FINISHED = 600_000
APPLY_PHASES = re.compile(
    "処理の開始を待っています|確認した内容を読み込んでいます|確認の後に変わった内容がないか確かめて.*まとめて書き込んでいます"
)

# Installed in the page before its own scripts run: every change the job page's poll makes to the
# rows-checked counter and to the phase, without a reload, is kept in sessionStorage (which the
# page's reload at the end keeps), so the test reads afterwards what the page showed live however
# fast the worker was. What the server rendered is not recorded: only live updates count.
RECORD_LIVE_UPDATES = """
document.addEventListener("DOMContentLoaded", () => {
    const record = (key, text) => {
        const seen = JSON.parse(sessionStorage.getItem(key) || "[]");
        seen.push(text.trim());
        sessionStorage.setItem(key, JSON.stringify(seen));
    };
    for (const [id, key] of [["job-step-check", "checkedSeen"], ["job-phase", "phaseSeen"]]) {
        const element = document.getElementById(id);
        if (element) {
            new MutationObserver(() => record(key, element.textContent)).observe(
                element, {childList: true, characterData: true, subtree: true});
        }
    }
});
"""


def live_updates(page, key):
    return page.evaluate(f"() => JSON.parse(sessionStorage.getItem('{key}') || '[]')")


def counts_between(texts, total):
    """The row counts strictly between 0 and ``total`` among texts like ``12,000 / 50,000 行``."""
    found = []
    for text in texts:
        match = re.fullmatch(r"([\d,]+) / ([\d,]+) 行", text)
        if match and int(match[2].replace(",", "")) == total and 0 < int(match[1].replace(",", "")) < total:
            found.append(text)
    return found


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


def test_a_large_import_shows_its_progress_live(staff_page, artifacts_dir, tmp_path):
    page = staff_page
    # The file from disk, as a member of staff picks it: handed over as a buffer, its 150,000
    # rows went base64-encoded through Playwright's channel, which took over 10 s on a busy CI.
    members_csv = tmp_path / "会員名簿.csv"
    members_csv.write_bytes(csv_bytes(member_rows(ROWS, start=1_000_000)))
    page.add_init_script(RECORD_LIVE_UPDATES)
    console_errors = []  # a script refused by the CSP, or failing, shows here
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.goto("/admin/imports/new/?kind=members")
    page.get_by_label("ファイル").set_input_files(members_csv, timeout=60_000)
    page.get_by_role("button", name="アップロードして内容を確認").click()

    # Queued for the worker, then read, then checked: the counter moves on the page as it is.
    expect(page).to_have_url(re.compile(r"/admin/imports/\d+/$"))
    expect(page.locator("#job-state")).to_have_text("確認中")
    shoot(page, artifacts_dir, "imports-progress-desktop-preview")

    # Done: the page reloads itself with the counts; before that, its poll showed the rows checked
    # moving and the phase, live.
    expect(page.locator("#job-state")).to_have_text("確認待ち", timeout=FINISHED)
    assert counts_between(live_updates(page, "checkedSeen"), ROWS), live_updates(page, "checkedSeen")
    assert any("内容を確認しています" in text for text in live_updates(page, "phaseSeen")), live_updates(
        page, "phaseSeen"
    )
    expect(page.locator("#count-new")).to_have_text(f"{ROWS:,}")
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
    expect(page.get_by_text(f"取り込みました。新規 {ROWS:,}件、更新 0件、変更なし 0件。")).to_be_visible()
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
