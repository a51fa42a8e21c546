"""The dashboard ("where do I stand?") and the points page's way to renewal in a real browser, at
1280x800 and 390x844: the demo member's panels with their numbers written out, no sideways
scrolling, and from a suggested session to its application page."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import APPROVED_RENEWAL_NUMBER, VIEWPORTS
from tests.e2e.helpers import log_in, shoot


def assert_no_sideways_scroll(page, viewport):
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]


def test_dashboard_and_the_way_to_renewal(page, viewport, artifacts_dir):
    log_in(page)
    expect(page.get_by_role("heading", level=1, name="ダッシュボード")).to_be_visible()
    for title in (
        "資格(消化器内視鏡技師)",
        "更新ポイント",
        "未納の請求",
        "申込済みの学会・セミナー",
        "申請中の手続き",
        "お知らせ",
    ):
        expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    points = page.locator("section.dash-points")
    expect(points.locator("#points-total")).to_have_text("26 / 50点")
    expect(points.locator("#points-standing")).to_have_text("あと24点必要です。")
    engineer = points.locator("li.points-category", has_text="技師学会・研究会")
    expect(engineer).to_contain_text("20 / 20点")
    expect(engineer).to_contain_text("上限")  # said in words, not only by the bar's colour
    expect(page.locator("#certification-left")).to_contain_text(re.compile(r"あと\d+年"))
    expect(page.locator("section.dash-seminars")).to_contain_text("第82回近畿消化器内視鏡技師学会")
    shoot(page, artifacts_dir, f"dashboard-{viewport}")
    assert_no_sideways_scroll(page, viewport)

    points.get_by_role("link", name="不足分を補えるセミナーを見る").click()
    expect(page.get_by_role("heading", level=1, name="受講履歴ポイント照会")).to_be_visible()
    way = page.locator("#credit-way")
    expect(way.get_by_role("heading", level=2, name="不足している点数を補えるセミナー")).to_be_visible()
    expect(way).to_contain_text("技師学会・研究会は加算上限に達しているため")
    device = way.locator("li.suggestion", has_text="第16回 内視鏡機器講習会").first
    expect(device).to_contain_text("+5点")
    shoot(page, artifacts_dir, f"credits-way-{viewport}")
    assert_no_sideways_scroll(page, viewport)

    device.get_by_role("link", name="参加申込").click()
    expect(page.get_by_role("heading", level=1, name="参加申込")).to_be_visible()
    expect(page.get_by_text("第16回 内視鏡機器講習会").first).to_be_visible()


def test_a_long_application_state_wraps_in_its_panel(page, viewport, artifacts_dir):
    """申請確認完了(更新料のお支払いをお待ちしています) on one line pushed the phone's page sideways
    and squeezed 「資格更新申請」 to one character a line."""
    log_in(page, number=APPROVED_RENEWAL_NUMBER)
    row = page.locator("li.application-in-progress", has_text="資格更新申請")
    expect(row).to_contain_text("申請確認完了(更新料のお支払いをお待ちしています)")
    shoot(page, artifacts_dir, f"dashboard-{viewport}-renewal-approved")
    assert_no_sideways_scroll(page, viewport)
    panel_box = page.locator("section.dash-applications").bounding_box()
    for part in (row.get_by_role("link", name="資格更新申請"), row.locator(".dash-state")):
        box = part.bounding_box()
        assert box["x"] + box["width"] <= panel_box["x"] + panel_box["width"] + 0.5, (box, panel_box)
    name_box = row.get_by_role("link", name="資格更新申請").bounding_box()
    assert name_box["height"] < 2 * 16 * 1.8, name_box  # one line, not a column of characters
