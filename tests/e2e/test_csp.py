"""The Content-Security-Policy is enforced and breaks nothing: member pages and admin pages
load without a single CSP violation or script error in the browser console."""

import re

import pytest
from playwright.sync_api import expect

from membership.demo import DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USERNAME
from tests.e2e.helpers import enrol_staff, log_in

pytestmark = pytest.mark.e2e

MEMBER_PAGES = [
    "/",
    "/member/",
    "/member/notices",
    "/member/profile",
    "/member/profile/edit",
    "/member/dues",
    "/member/card",
    "/member/seminars",
    "/member/seminars/participations",
    "/member/credits",
    "/member/renewal",
    "/member/applications/leave",
]

# Listings without bulk actions (members, money, applications), the registrations' bulk
# 参加済にする, and pages of our own in the admin.
ADMIN_PAGES = [
    "/admin/snippets/membership/member/",
    "/admin/snippets/membership/invoice/",
    "/admin/snippets/membership/payment/",
    "/admin/snippets/membership/membershipapplication/",
    "/admin/snippets/renewal/renewalapplication/",
    "/admin/snippets/renewal/extensionapplication/",
    "/admin/snippets/renewal/registration/",
    "/admin/imports/",
    "/admin/pages/",
    "/admin/two-factor/",
]


class ConsoleErrors:
    """Console errors (the browser reports each CSP violation there) and uncaught script errors."""

    def __init__(self, page):
        self.messages = []
        self.script_errors = []
        page.on(
            "console", lambda message: message.type == "error" and self.messages.append(f"{page.url}: {message.text}")
        )
        page.on("pageerror", lambda error: self.script_errors.append(f"{page.url}: {error}"))

    def visit(self, page, url):
        response = page.goto(url)
        page.wait_for_load_state("load")
        return response


def enforced_policy(response):
    headers = response.headers
    assert "content-security-policy-report-only" not in headers
    return headers["content-security-policy"]


def test_member_pages_load_under_the_policy_without_console_errors(page, viewport):
    errors = ConsoleErrors(page)
    login = errors.visit(page, "/member/login")
    assert "script-src 'self' 'nonce-" in enforced_policy(login)
    log_in(page)
    expect(page).to_have_url(re.compile(r"/member/?$"))
    for url in MEMBER_PAGES:
        response = errors.visit(page, url)
        assert response.status < 400, url
        enforced_policy(response)
    # The inline no-js script ran with its nonce: the layout knows JavaScript is on.
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bno-js\b"))

    assert errors.messages == []
    assert errors.script_errors == []


@pytest.mark.parametrize("viewport", ["desktop"])
def test_admin_pages_load_under_the_policy_without_console_errors(page, viewport):
    errors = ConsoleErrors(page)
    enrol_staff(page, DEMO_ADMIN_USERNAME, DEMO_ADMIN_PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert "'unsafe-inline'" in enforced_policy(errors.visit(page, "/admin/"))

    for url in ADMIN_PAGES:
        response = errors.visit(page, url)
        assert response.status < 400, url
    # The registrations' bulk action still works: a ticked row shows 参加済にする.
    errors.visit(page, "/admin/snippets/renewal/registration/")
    page.locator("table.listing tbody input[type=checkbox]").first.check()
    expect(page.get_by_role("link", name="選択した参加申込を参加済にする")).to_be_visible()
    # A seminar's edit form: date pickers and the sessions' inline panel (Wagtail's inline scripts).
    errors.visit(page, "/admin/snippets/renewal/seminar/")
    page.locator("table.listing tbody tr a").first.click()
    page.wait_for_load_state("load")
    expect(page.locator("form")).not_to_have_count(0)

    assert errors.messages == []
    assert errors.script_errors == []
