"""The public site as a visitor sees it, at both sizes: every page reached from the home page by
its links (お知らせ, the notice list, Q&A, the pages marked メニューに表示, お問い合わせ) without an
axe-core violation or sideways scrolling, and a keyboard focus ring that shows on each link."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import axe_violations, enable_axe, shoot

pytestmark = pytest.mark.e2e

# What the focused element's ring must be (site.css): 3px, solid, never the browser's thin one.
_FOCUS_RING = """() => {
  const element = document.activeElement, style = getComputedStyle(element);
  return {text: (element.innerText || "").trim().slice(0, 30), style: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def test_every_page_linked_from_the_home_page_passes_axe(page, viewport, artifacts_dir):
    enable_axe(page.context)
    page.goto("/")
    expect(page.get_by_role("link", name="会員ページご利用ガイド")).to_be_visible()  # seed_demo: メニューに表示
    links = page.locator("main a[href^='/']").evaluate_all("links => links.map((link) => link.getAttribute('href'))")
    found = {}
    for url in ["/", *dict.fromkeys(links)]:
        response = page.goto(url)
        assert response.status == 200, f"{url} answered {response.status}"
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], url
        violations = axe_violations(page)
        if violations:
            found[url] = [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in violations]
    shoot(page, artifacts_dir, f"public-{viewport}-last-linked-page")
    assert not found, found


def test_the_keyboard_focus_ring_shows_on_each_link_of_the_home_page(page, viewport):
    page.goto("/")
    page.wait_for_load_state("load")
    rings = []
    for _ in range(6):
        page.keyboard.press("Tab")
        rings.append(page.evaluate(_FOCUS_RING))
    assert [ring["text"] for ring in rings][:3] == ["日本消化器内視鏡技師会", "会員ログイン", "会員ページにログイン"]
    thin = [ring for ring in rings if ring["style"] != "solid" or ring["width"] < 3]
    assert not thin, thin
