"""A reception-desk sheet in a real browser (1280x800): its own headings (No, 会員No, 氏名, 所属)
are refused for the missing 会員番号 only; staff map 会員No to 会員番号 once (列の対応付け) and
the preview reads the sheet: No and 所属 read past, a number without its zeros matched, and a
name that is not the member's listed under 確認してください. Nothing is imported (cancelled)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import COLUMNS_STAFF_PASSWORD, COLUMNS_STAFF_USERNAME, UNDO_SEMINAR, UNDO_SESSION, VIEWPORTS
from tests.e2e.helpers import enrol_staff, shoot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", ["desktop"])
def test_staff_map_a_heading_once_and_the_sheet_is_read(browser, app_url, viewport, artifacts_dir):
    context = browser.new_context(base_url=app_url, viewport=VIEWPORTS["desktop"], locale="ja-JP")
    context.set_default_timeout(10_000)
    staff = context.new_page()
    try:
        enrol_staff(staff, COLUMNS_STAFF_USERNAME, COLUMNS_STAFF_PASSWORD)
        staff.goto("/admin/snippets/renewal/seminar/?q=" + UNDO_SEMINAR)
        line = staff.locator(".session-id-line", has_text=UNDO_SESSION).inner_text()
        session_id = re.search(r"ID (\d+)", line).group(1)

        staff.goto("/admin/imports/new/?kind=attendance")
        sheet = (
            "No,会員No,氏名,所属,セッションID\r\n"
            f"1,12345,山田 花子,中央病院,{session_id}\r\n"  # the demo member, zeros dropped by Excel
            f"2,0099001,田中 一郎,北病院,{session_id}\r\n"  # 0099001 is 佐藤 健: a mistyped number?
        ).encode("cp932")
        staff.locator("input[name=file]").set_input_files(
            files=[{"name": "受付名簿.csv", "mimeType": "text/csv", "buffer": sheet}]
        )
        staff.get_by_role("button", name="アップロードして内容を確認").click()
        expect(staff.get_by_text("不足している列: 会員番号。")).to_be_visible()
        shoot(staff, artifacts_dir, "imports-columns-desktop-refused")

        staff.locator("#column-mapping-link").click()
        expect(staff.get_by_role("heading", name="列の対応付け")).to_be_visible()
        staff.get_by_label("会員No").select_option("会員番号")
        shoot(staff, artifacts_dir, "imports-columns-desktop-mapping")
        staff.get_by_role("button", name="保存して確認し直す").click()

        expect(staff.locator("#count-new")).to_have_text("2")
        expect(staff.get_by_text("列の対応付けで読んだ見出し: 会員No → 会員番号")).to_be_visible()
        expect(staff.locator("#columns-ignored")).to_have_text("取込に使わない列(読み飛ばしました): No、所属")
        expect(
            staff.get_by_text("先頭の0が欠けた会員番号 1件を、0を補って照合しました(例: 12345 → 0012345)。")
        ).to_be_visible()
        warning = staff.locator("tr.import-warning")
        expect(warning).to_have_count(1)
        expect(warning).to_contain_text("氏名「田中 一郎」が会員 0099001 の登録(佐藤 健)と違います。")
        shoot(staff, artifacts_dir, "imports-columns-desktop-preview")
        warning.scroll_into_view_if_needed()
        shoot(staff, artifacts_dir, "imports-columns-desktop-preview-warnings")

        staff.get_by_role("button", name="取り消す").click()
        expect(staff.get_by_text("を取り消しました。データは変更していません。")).to_be_visible()
    finally:
        context.close()
