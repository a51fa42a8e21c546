"""デジタル会員証確認 in a real browser: the demo member's card fits the screen at both sizes."""

import re

import pytest
from playwright.sync_api import expect

from membership.demo import DEMO_CERTIFICATION_NUMBER, DEMO_MEMBER_NUMBER, demo_certification_expiry
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.helpers import log_in, open_menu_entry, shoot

pytestmark = pytest.mark.e2e


def test_member_opens_the_digital_card(page, viewport, artifacts_dir):
    expiry = demo_certification_expiry()
    log_in(page)
    open_menu_entry(page, viewport, "デジタル会員証確認")

    expect(page).to_have_url(re.compile(r"/member/card$"))
    card = page.locator("article.member-card")
    expect(card).to_be_visible()
    expect(card.get_by_role("heading", name="会員証")).to_be_visible()
    expect(card.locator(".card-badge")).to_have_text("有効")
    expect(card.locator("#card-member-number")).to_have_text(DEMO_MEMBER_NUMBER)
    expect(card.locator("#card-certification-number")).to_have_text(DEMO_CERTIFICATION_NUMBER)
    expect(card.locator("#card-expiry")).to_have_text(f"{expiry.year}年{expiry.month}月{expiry.day}日")
    expect(card.locator("svg.card-qr-code")).to_be_visible()
    shoot(page, artifacts_dir, f"card-{viewport}")

    width = VIEWPORTS[viewport]["width"]
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    qr = card.locator("svg.card-qr-code").bounding_box()
    assert qr["width"] >= 120 and qr["x"] + qr["width"] <= box["x"] + box["width"], qr  # big enough to scan
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
