"""Guide 5 and 6 in a real browser: the demo member applies for a free e-learning session,
finds it in 学会・セミナー参加一覧 and downloads the 受講票.

The server is shared by every browser test of a run: each viewport applies for its own
session, and a registration left by an earlier run of the same test is accepted as it is.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS
from tests.e2e.helpers import log_in, open_menu_entry, shoot

pytestmark = pytest.mark.e2e

SEMINAR = {"desktop": "e-ラーニング_1 (医学講義)", "phone": "e-ラーニング_2 (医学講義)"}


def assert_no_sideways_scroll(page, viewport):
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    # Nor inside the list: every column (受講票 last) shows without scrolling the table.
    for box in page.locator(".table-scroll").all():
        assert box.evaluate("(box) => box.scrollWidth <= box.clientWidth")


def lines_of(cell):
    """How many lines the text of ``cell`` takes as the browser lays it out."""
    return cell.evaluate(
        "(cell) => { const r = document.createRange(); r.selectNodeContents(cell); "
        "return new Set([...r.getClientRects()].map((rect) => Math.round(rect.top))).size; }"
    )


def test_member_applies_for_a_free_session_and_downloads_the_ticket(page, viewport, artifacts_dir):
    seminar = SEMINAR[viewport]
    log_in(page)
    open_menu_entry(page, viewport, "学会・セミナー一覧")
    expect(page.get_by_role("heading", level=1, name="学会・セミナー一覧(申込受付中)")).to_be_visible()
    expect(page.locator("tr.session-row").first).to_be_visible()
    shoot(page, artifacts_dir, f"seminars-{viewport}-list")  # waits for the stylesheet and fonts
    assert_no_sideways_scroll(page, viewport)

    # Search narrows the list to the seminar.
    page.get_by_label("学会・セミナー名").fill(seminar)
    page.get_by_role("button", name="検索").click()
    row = page.locator("tr.session-row", has_text=seminar)
    expect(row).to_have_count(1)
    session_title = row.locator(".session-title").inner_text().strip()

    apply_link = row.get_by_role("link", name="参加申込")
    if apply_link.count():
        apply_link.click()
        expect(page.get_by_role("heading", level=1, name="参加申込")).to_be_visible()
        expect(page.locator(".registration-summary")).to_contain_text("無料")
        page.get_by_label("eラーニング").check()
        shoot(page, artifacts_dir, f"seminars-{viewport}-confirm")
        assert_no_sideways_scroll(page, viewport)
        page.get_by_role("button", name="申込する").click()
        expect(page.locator(".message")).to_contain_text("参加申込を受け付けました")
    else:  # applied by an earlier run against this server
        expect(row).to_contain_text("申込済")
        open_menu_entry(page, viewport, "学会・セミナー参加一覧")

    expect(page.get_by_role("heading", level=1, name="学会・セミナー参加一覧")).to_be_visible()
    mine = page.locator("tr.registration-row", has_text=session_title)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(seminar)
    expect(mine).to_contain_text("eラーニング")
    shoot(page, artifacts_dir, f"seminars-{viewport}-participations")
    assert_no_sideways_scroll(page, viewport)
    assert lines_of(mine.locator('td[data-label="申込日"]')) == 1  # a date never breaks inside

    with page.expect_download() as download_info:
        mine.get_by_role("link", name="受講票").click()
    download = download_info.value
    assert download.suggested_filename.startswith("ticket-") and download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
