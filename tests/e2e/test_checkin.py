"""The check-in desk (受付) on a phone (390x844), as a part-time receptionist uses it: a ticket
checked in by its typed code (look, then tap 参加済にする, a double tap sending it once; the same
code again says when), a scan made offline kept and sent once the network is back, and a
ticket's QR code shown to the camera
(Chromium's fake capture device playing a video made here of the ticket's QR code, read by the
vendored jsQR)."""

import re

import pytest
import segno
from django.test import override_settings
from playwright.sync_api import expect

from config.settings import _DEV_SECRET_KEY
from renewal.checkin_codes import ticket_code
from renewal.demo import CHECKIN_SEMINAR
from tests.e2e.conftest import CHECKIN_STAFF_PASSWORD, CHECKIN_STAFF_USERNAME, CHROMIUM, CHROMIUM_ARGS, VIEWPORTS
from tests.e2e.helpers import enrol_staff, shoot

pytestmark = pytest.mark.e2e

MORNING = "午前の部"
PHONE = {"viewport": VIEWPORTS["phone"], "locale": "ja-JP", "timezone_id": "Asia/Tokyo", "is_mobile": True,
         "has_touch": True, "device_scale_factor": 1}  # fmt: skip


def code_of(ticket_number):
    """The ticket's 受付コード as the app (DEBUG, the development key) prints it."""
    with override_settings(SECRET_KEY=_DEV_SECRET_KEY):
        return ticket_code(ticket_number)


def open_desk(page):
    page.goto("/admin/checkin/")
    page.get_by_role("link", name=re.compile(f"{re.escape(CHECKIN_SEMINAR)} {MORNING}")).click()
    expect(page.locator("#checkin")).to_be_visible()
    page.wait_for_load_state("load")  # the desk's script is deferred: wait until it listens


def count(page, name):
    return int(page.locator(f"#count-{name}").inner_text())


def waiting_tickets(page):
    return page.locator("#not-arrived tbody tr[data-ticket]").evaluate_all("rows => rows.map(r => r.dataset.ticket)")


def qr_video(text, path, width=640, height=480, frames=5):
    """A Y4M video (4:2:0) of ``text``'s QR code, dark on white, for --use-file-for-fake-video-capture."""
    matrix = segno.make(text, error="m", micro=False).matrix  # as the ticket: a full QR code
    quiet = 4
    modules = len(matrix) + 2 * quiet
    scale = int(min(width, height) * 0.8) // modules
    left, top = (width - modules * scale) // 2, (height - modules * scale) // 2
    luma = bytearray([235]) * (width * height)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x = left + (c + quiet) * scale
                for dy in range(scale):
                    start = (top + (r + quiet) * scale + dy) * width + x
                    luma[start : start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)


def test_typed_code_then_a_scan_made_offline_is_sent_once_back_online(browser, app_url, artifacts_dir):
    context = browser.new_context(base_url=app_url, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        enrol_staff(page, CHECKIN_STAFF_USERNAME, CHECKIN_STAFF_PASSWORD)
        open_desk(page)
        first, second = waiting_tickets(page)[:2]
        checked_in = count(page, "checked-in")

        page.get_by_label("受付コード").fill(code_of(first).lower())  # typed on a phone: case does not matter
        page.get_by_role("button", name="確認").click()
        expect(page.locator("#result-message")).to_have_text("参加済にできます。")
        expect(page.locator("#result-session")).to_contain_text(MORNING)
        page.get_by_role("button", name="参加済にする").dblclick()  # a double tap sends it once
        expect(page.locator("#result-message")).to_have_text("参加済にしました。")
        page.wait_for_load_state("networkidle")
        expect(page.locator("#result-message")).to_have_text("参加済にしました。")  # not 「重複の読み取り」
        expect(page.locator("#count-checked-in")).to_have_text(str(checked_in + 1))
        expect(page.locator(f'#not-arrived tr[data-ticket="{first}"]')).to_have_count(0)
        shoot(page, artifacts_dir, "checkin-phone-typed")

        page.get_by_label("受付コード").fill(code_of(first))
        page.get_by_role("button", name="確認").click()
        expect(page.locator("#result-message")).to_contain_text("参加済になっています")

        page.get_by_label("受付コード").fill(first)  # the bare number: refused
        page.get_by_role("button", name="確認").click()
        expect(page.locator("#result-message")).to_contain_text("確認文字のない受講票番号です")

        context.set_offline(True)
        expect(page.locator("#checkin-offline")).to_be_visible()
        page.get_by_label("受付コード").fill(code_of(second))
        page.get_by_role("button", name="確認").click()
        expect(page.locator("#result-message")).to_contain_text("保存しました")
        expect(page.locator("#queue-count")).to_have_text("1")
        shoot(page, artifacts_dir, "checkin-phone-offline")

        context.set_offline(False)
        expect(page.locator("#sent-list li")).to_have_count(1)
        expect(page.locator("#sent-list li")).to_contain_text("参加済にしました")
        expect(page.locator("#checkin-offline")).to_be_hidden()
        expect(page.locator("#count-checked-in")).to_have_text(str(checked_in + 2))
        page.reload()
        expect(page.locator("#count-checked-in")).to_have_text(str(checked_in + 2))
        assert second not in waiting_tickets(page) and first not in waiting_tickets(page)
    finally:
        context.close()


def test_a_ticket_qr_code_shown_to_the_camera_is_read_and_checked_in(browser, app_url, artifacts_dir, tmp_path):
    from membership.demo import DEMO_RECEPTIONIST_PASSWORD, DEMO_RECEPTIONIST_USERNAME

    context = browser.new_context(base_url=app_url, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        enrol_staff(page, DEMO_RECEPTIONIST_USERNAME, DEMO_RECEPTIONIST_PASSWORD)
        open_desk(page)
        ticket = waiting_tickets(page)[-1]
        logged_in = context.storage_state()
    finally:
        context.close()

    video = tmp_path / "ticket-qr.y4m"
    qr_video(code_of(ticket), video)
    camera_args = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                   f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + camera_args
    )
    try:
        context = camera_browser.new_context(base_url=app_url, storage_state=logged_in, permissions=["camera"], **PHONE)
        context.set_default_timeout(20_000)
        page = context.new_page()
        open_desk(page)
        checked_in = count(page, "checked-in")
        page.get_by_role("button", name="カメラで読み取る").click()
        expect(page.locator("#result-message")).to_have_text("参加済にできます。")
        expect(page.locator("#result-fee")).to_have_text("参加費なし")
        shoot(page, artifacts_dir, "checkin-phone-camera")
        page.get_by_role("button", name="参加済にする").click()
        expect(page.locator("#result-message")).to_have_text("参加済にしました。")
        expect(page.locator("#count-checked-in")).to_have_text(str(checked_in + 1))
        expect(page.locator(f'#not-arrived tr[data-ticket="{ticket}"]')).to_have_count(0)
        page.get_by_role("button", name="カメラを止める").click()
    finally:
        camera_browser.close()
