"""An attendance import undone in a real browser (1280x800): staff read the session's ID in the
seminar list, import an attendance sheet for the demo member, whose 受講履歴ポイント照会 shows the
points; staff undo the import (「取り込みを取り消す」, confirm) and the member's page is as before."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import UNDO_SEMINAR, UNDO_SESSION, UNDO_STAFF_PASSWORD, UNDO_STAFF_USERNAME, VIEWPORTS
from tests.e2e.helpers import enrol_staff, log_in, shoot

pytestmark = pytest.mark.e2e

CATEGORY = "機器講習会"


def points_page(page):
    """(the 機器講習会 line, the total line, whether the session's row is listed) of the member's page."""
    page.goto("/member/credits")
    expect(page.get_by_role("heading", level=1, name="受講履歴ポイント照会")).to_be_visible()
    category = page.locator("li.credit-category", has_text=CATEGORY).inner_text()
    total = page.locator("#credit-total").inner_text()
    listed = page.locator("tr.credit-row", has_text=UNDO_SESSION).count()
    return category.split("※")[0].strip(), total.strip(), listed


@pytest.mark.parametrize("viewport", ["desktop"])
def test_staff_undo_an_attendance_import_and_the_points_page_is_back(page, browser, app_url, viewport, artifacts_dir):
    log_in(page)  # the demo member, 0012345
    before = points_page(page)
    assert before[0] == f"{CATEGORY}: 0 / 10点" and before[2] == 0

    staff_context = browser.new_context(base_url=app_url, viewport=VIEWPORTS["desktop"], locale="ja-JP")
    staff_context.set_default_timeout(10_000)
    staff = staff_context.new_page()
    try:
        enrol_staff(staff, UNDO_STAFF_USERNAME, UNDO_STAFF_PASSWORD)

        # The session's ID, where staff look for it: the seminar list.
        staff.goto("/admin/snippets/renewal/seminar/?q=" + UNDO_SEMINAR)
        line = staff.locator(".session-id-line", has_text=UNDO_SESSION).inner_text()
        session_id = re.search(r"ID (\d+)", line).group(1)
        shoot(staff, artifacts_dir, "imports-undo-desktop-seminars")
        staff.get_by_role("link", name=UNDO_SEMINAR).first.click()  # the seminar's form: the ID on the session
        expect(staff.locator("strong.session-id")).to_have_text(session_id)
        shoot(staff, artifacts_dir, "imports-undo-desktop-seminar-form")

        staff.goto("/admin/imports/new/?kind=attendance")
        sheet = f"会員番号,セッションID,参加形態\r\n0012345,{session_id},\r\n".encode()
        staff.locator("input[name=file]").set_input_files(
            files=[{"name": "出席者.csv", "mimeType": "text/csv", "buffer": sheet}]
        )
        staff.get_by_role("button", name="アップロードして内容を確認").click()
        expect(staff.locator("#count-new")).to_have_text("1")
        staff.get_by_role("button", name="取り込む").click()
        expect(staff.get_by_text("取り込みました(新規 1件")).to_be_visible()
        job_url = staff.url

        imported = points_page(page)
        assert imported[0] == f"{CATEGORY}: 7 / 10点" and imported[2] == 1
        assert imported[1] != before[1]
        shoot(page, artifacts_dir, "imports-undo-desktop-points-imported")

        staff.goto(job_url)
        shoot(staff, artifacts_dir, "imports-undo-desktop-applied")
        staff.get_by_role("link", name="取り込みを取り消す").click()
        expect(staff.locator("#undo-description")).to_contain_text("この取込で登録した受講履歴を削除します")
        shoot(staff, artifacts_dir, "imports-undo-desktop-confirm")
        staff.get_by_role("button", name="取り込みを取り消す").click()
        expect(staff.get_by_text("受講履歴 1件を削除し、参加申込 0件を未参加に戻しました。").first).to_be_visible()
        expect(staff.locator("#job-state")).to_have_text("取消済")
        expect(staff.locator("#job-undone")).to_contain_text(UNDO_STAFF_USERNAME)
        shoot(staff, artifacts_dir, "imports-undo-desktop-undone")
    finally:
        staff_context.close()

    assert points_page(page) == before
