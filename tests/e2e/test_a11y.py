"""axe-core in a real browser: no accessibility violation on any members-area page, on the public
pages around it (login, password reset, guest sign-up, notices, inquiry) or on any form's error
state, at both sizes (issue 13, item 3).

One walk per viewport against the shared server: anonymous first, then each kind of account
logs in once (the demo member, a member paying through steps ② to ④, a member on leave, a
member due for renewal, a guest) and visits its pages in a loop. Nothing is saved that another
browser test relies on: the error states come from submitting incomplete forms, and the
payments are made by members of this test's own (``A11Y_MEMBER_NUMBERS``).
"""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from membership.demo import DEMO_GUEST_NUMBER, DEMO_GUEST_PASSWORD
from tests.e2e.conftest import A11Y_MEMBER_NUMBERS, ON_LEAVE_MEMBER_NUMBER, RENEWAL_MEMBER_NUMBERS
from tests.e2e.helpers import axe_violations, broken_references, enable_axe, log_in

pytestmark = pytest.mark.e2e

BOTH_FORMATS_SEMINAR = "第91回日本消化器内視鏡技師学会"  # seed_demo: held on site and as e-learning

# Every page and error state the walk must have checked, in the order it visits them.
EXPECTED_PAGES = [
    # Anonymous visitors.
    "ログイン",
    "ログイン(入力エラー)",
    "パスワード再設定の申込",
    "パスワード再設定の申込(入力エラー)",
    "パスワード再設定の申込(送信済み)",
    "新しいパスワードの設定",
    "新しいパスワードの設定(入力エラー)",
    "新しいパスワードの設定(無効なURL)",
    "パスワード再設定完了",
    "メールアドレスの確認(無効なURL)",
    "ゲスト登録",
    "ゲスト登録(入力エラー)",
    "ゲスト登録(受付)",
    "お知らせ(公開)",
    "お問い合わせ(公開)",
    "お問い合わせ(公開・入力エラー)",
    "デジタル会員証の確認(無効なURL)",
    "出席証明書の確認(無効なURL)",
    # The demo member.
    "ダッシュボード",
    "会員詳細",
    "会員詳細の編集",
    "会員詳細の編集(入力エラー)",
    "会費支払い明細",
    "請求書の発行",
    "学会・セミナー一覧",
    "学会・セミナー一覧(入力エラー)",
    "参加申込",
    "参加申込(入力エラー)",
    "学会・セミナー参加一覧",
    "学会・セミナー参加一覧(入力エラー)",
    "資格更新確認",
    "受講履歴ポイント照会",
    "デジタル会員証確認",
    "出席証明書の確認",
    "お知らせ一覧",
    "お知らせ(会員限定)",
    "お問い合わせ",
    "お問い合わせ(入力エラー)",
    "休会申請",
    "休会申請(入力エラー)",
    "休会復帰申請(対象外)",
    "退会申請",
    "退会申請(入力エラー)",
    "パスワード再設定",
    "パスワード再設定(入力エラー)",
    "パスワード変更のお願い",
    # A member paying (steps ② to ⑤), with an extension programme and a past application.
    "請求書の発行(入力エラー)",
    "お支払い ② 会員情報確認",
    "お支払い ② 会員情報確認(入力エラー)",
    "お支払い ③ 支払方法の選択",
    "お支払い ④ お支払い手続き",
    "お支払い ⑤ お支払い状況",
    "休会申請(履歴あり)",
    "更新延長申請",
    "更新延長申請(入力エラー)",
    # A member on leave.
    "休会復帰申請",
    "休会復帰申請(入力エラー)",
    # A member due for renewal.
    "資格更新確認(申請期間中)",
    "更新申請確認",
    # A guest (non-member).
    "ダッシュボード(ゲスト)",
    "お知らせ一覧(ゲスト)",
    "学会・セミナー一覧(ゲスト)",
    "学会・セミナー参加一覧(ゲスト)",
    "お問い合わせ(ゲスト)",
    "会員限定のページ(ゲスト)",
]


class Walk:
    """Runs axe on each page visited and keeps what it found, page by page."""

    def __init__(self, page):
        self.page = page
        self.covered = []
        self.found = {}

    def check(self, name):
        assert name not in self.covered, f"{name} checked twice"
        self.covered.append(name)
        violations = axe_violations(self.page)
        references = broken_references(self.page)
        if references:
            violations.append(
                {
                    "id": "broken-reference",
                    "impact": "serious",
                    "help": "a label or ARIA reference leads nowhere",
                    "nodes": references,
                }
            )
        if violations:
            self.found[name] = violations

    def visit(self, name, url, status=200):
        response = self.page.goto(url)
        assert response is not None and response.status == status, f"{name}: {url} answered {response.status}"
        self.check(name)

    def submit(self, name, button, status=200):
        """Submit the form whose button is named ``button`` and check the page that answers."""
        with self.page.expect_navigation() as navigation:
            self.page.get_by_role("button", name=button, exact=True).click()
        response = navigation.value
        assert response is not None and response.status == status, f"{name}: answered {response.status}"
        self.check(name)

    def log_in(self, number, password=None):
        self.page.context.clear_cookies()
        if password:
            log_in(self.page, number=number, password=password)
        else:
            log_in(self.page, number=number)
        expect(self.page.locator("nav#member-menu")).to_have_count(1)

    def report(self):
        lines = []
        for name, violations in self.found.items():
            for violation in violations:
                lines.append(f"{name}: {violation['id']} ({violation['impact']}) {violation['help']}")
                lines.extend(f"    {node}" for node in violation["nodes"])
        return "\n".join(lines)


def anonymous_pages(walk, app_server, viewport):
    page = walk.page
    walk.visit("ログイン", "/member/login")
    walk.submit("ログイン(入力エラー)", "ログイン")
    expect(page.locator(".field-error").first).to_be_visible()

    walk.visit("パスワード再設定の申込", "/member/password/reset")
    walk.submit("パスワード再設定の申込(入力エラー)", "送信")
    expect(page.locator(".field-error").first).to_be_visible()
    number = A11Y_MEMBER_NUMBERS[viewport]
    page.get_by_label("会員番号").fill(number)
    page.get_by_label("メールアドレス").fill(f"a11y-{number}@example.jp")
    log_offset = app_server.log_size()
    walk.submit("パスワード再設定の申込(送信済み)", "送信")
    reset_url = _mailed_reset_url(app_server, log_offset)
    walk.visit("新しいパスワードの設定", reset_url)
    page.get_by_label("新しいパスワード").fill("Another2026pass")
    page.get_by_label("確認パスワード").fill("Different2026pass")
    walk.submit("新しいパスワードの設定(入力エラー)", "設定する")
    expect(page.get_by_text("確認パスワードが新しいパスワードと一致しません。")).to_be_visible()
    walk.visit("新しいパスワードの設定(無効なURL)", "/member/password/reset/MA/invalid-token")
    walk.visit("パスワード再設定完了", "/member/password/reset/complete")
    walk.visit("メールアドレスの確認(無効なURL)", "/member/email/confirm/invalid-token")

    walk.visit("ゲスト登録", "/member/guest/register")
    walk.submit("ゲスト登録(入力エラー)", "登録する")
    expect(page.locator(".field-error").first).to_be_visible()
    walk.visit("ゲスト登録(受付)", "/member/guest/registered")

    page.goto("/notices/")
    page.locator(".notice-list a").first.click()
    walk.check("お知らせ(公開)")
    walk.visit("お問い合わせ(公開)", "/inquiry/")
    walk.submit("お問い合わせ(公開・入力エラー)", "送信する")
    expect(page.locator(".field-error").first).to_be_visible()
    walk.visit("デジタル会員証の確認(無効なURL)", "/card/verify/invalid-token", status=404)
    walk.visit("出席証明書の確認(無効なURL)", "/certificates/verify/invalid-token", status=404)


def _mailed_reset_url(app_server, offset):
    """The password-setting link of the mail the server has just sent (console e-mail backend)."""
    found = re.findall(r"https?://\S+/member/password/reset/[^/\s]+/[^/\s]+", app_server.mails_since(offset))
    assert found, "no password reset mail in the server's output"
    return found[-1]


def demo_member_pages(walk):
    page = walk.page
    walk.log_in("0012345")
    walk.visit("ダッシュボード", "/member/")
    walk.visit("会員詳細", "/member/profile")
    walk.visit("会員詳細の編集", "/member/profile/edit")
    page.get_by_label("氏名(姓)").fill("")
    walk.submit("会員詳細の編集(入力エラー)", "保存")
    expect(page.locator(".field-error").first).to_be_visible()
    walk.visit("会費支払い明細", "/member/dues")
    page.get_by_role("link", name="請求書", exact=True).first.click()
    walk.check("請求書の発行")

    walk.visit("学会・セミナー一覧", "/member/seminars")
    # A seminar held on site and online: the member must choose, so an empty choice is an error.
    both_formats = page.locator("tr.session-row", has_text=BOTH_FORMATS_SEMINAR)
    apply_url = both_formats.get_by_role("link", name="参加申込").first.get_attribute("href")
    walk.visit("学会・セミナー一覧(入力エラー)", "/member/seminars?date_from=2026-13-45")
    expect(page.locator(".search-form .error").first).to_be_visible()
    walk.visit("参加申込", apply_url)
    walk.submit("参加申込(入力エラー)", "申込する", status=400)
    expect(page.locator(".field-error").first).to_be_visible()
    walk.visit("学会・セミナー参加一覧", "/member/seminars/participations")
    walk.visit("学会・セミナー参加一覧(入力エラー)", "/member/seminars/participations?date_to=yesterday")
    expect(page.locator(".search-form .error").first).to_be_visible()

    walk.visit("資格更新確認", "/member/renewal")
    walk.visit("受講履歴ポイント照会", "/member/credits")
    walk.visit("デジタル会員証確認", "/member/card")
    walk.visit("出席証明書の確認", _certificate_verify_path(page))
    walk.visit("お知らせ一覧", "/member/notices")
    page.locator(".notice-list li", has=page.locator(".badge")).first.get_by_role("link").click()
    walk.check("お知らせ(会員限定)")
    walk.visit("お問い合わせ", "/member/inquiry")
    walk.submit("お問い合わせ(入力エラー)", "送信する")
    expect(page.locator(".field-error").first).to_be_visible()

    walk.visit("休会申請", "/member/applications/leave")
    walk.submit("休会申請(入力エラー)", "申請する")
    expect(page.locator(".field-error").first).to_be_visible()
    walk.visit("休会復帰申請(対象外)", "/member/applications/return")
    walk.visit("退会申請", "/member/applications/withdrawal")
    walk.submit("退会申請(入力エラー)", "退会申請")
    expect(page.locator(".field-error").first).to_be_visible()
    walk.visit("パスワード再設定", "/member/password")
    walk.submit("パスワード再設定(入力エラー)", "変更")
    expect(page.locator(".field-error").first).to_be_visible()
    walk.visit("パスワード変更のお願い", "/member/password/reminder")


def _certificate_verify_path(page):
    """The verification page printed on the demo member's first attendance certificate (the PDF
    from the participation list, read back)."""
    page.goto("/member/seminars/participations?include_attended=on")
    href = page.get_by_role("link", name="出席証明書", exact=True).first.get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = re.sub(r"\s", "", PdfReader(io.BytesIO(response.body())).pages[0].extract_text())
    found = re.search(r"/certificates/verify/\d+\.[0-9a-f]+", text)
    assert found, "no verification URL on the certificate"
    return found.group(0)


def paying_member_pages(walk, viewport):
    page = walk.page
    walk.log_in(A11Y_MEMBER_NUMBERS[viewport])
    page.goto("/member/dues")
    page.get_by_role("link", name="請求書", exact=True).first.click()
    page.get_by_label("勤務先(会員詳細に勤務先名がありません)").check()  # this member has no workplace
    walk.submit("請求書の発行(入力エラー)", "請求書をダウンロード")
    expect(page.locator(".field-error").first).to_be_visible()
    page.goto("/member/dues")
    page.get_by_role("link", name="会員情報確認 支払手続き").first.click()
    walk.check("お支払い ② 会員情報確認")
    page.get_by_label("電話番号").fill("03-1234")
    walk.submit("お支払い ② 会員情報確認(入力エラー)", "変更してお支払い手続きへ")
    expect(page.locator(".field-error").first).to_be_visible()
    page.get_by_label("電話番号").fill("0312345678")
    walk.submit("お支払い ③ 支払方法の選択", "変更してお支払い手続きへ")
    page.get_by_label("クレジットカード(一括払い)").check()
    walk.submit("お支払い ④ お支払い手続き", "決定")
    expect(page.get_by_role("link", name="GMO お支払い手続きページ")).to_be_visible()
    walk.visit("お支払い ⑤ お支払い状況", page.url.split("?")[0] + "/return")

    walk.visit("休会申請(履歴あり)", "/member/applications/leave")
    expect(page.locator("tr.application-row")).to_have_count(1)
    walk.visit("更新延長申請", "/member/renewal/extension")
    page.get_by_label("申請理由").fill("   ")
    walk.submit("更新延長申請(入力エラー)", "延長を申請する")
    expect(page.get_by_text("申請理由を入力してください。")).to_be_visible()


def other_member_pages(walk):
    page = walk.page
    walk.log_in(ON_LEAVE_MEMBER_NUMBER)
    walk.visit("休会復帰申請", "/member/applications/return")
    walk.submit("休会復帰申請(入力エラー)", "申請する")
    expect(page.locator(".field-error").first).to_be_visible()

    walk.log_in(RENEWAL_MEMBER_NUMBERS[0])
    walk.visit("資格更新確認(申請期間中)", "/member/renewal")
    walk.visit("更新申請確認", "/member/renewal/apply")


def guest_pages(walk):
    walk.log_in(DEMO_GUEST_NUMBER, password=DEMO_GUEST_PASSWORD)
    walk.visit("ダッシュボード(ゲスト)", "/member/")
    walk.visit("お知らせ一覧(ゲスト)", "/member/notices")
    walk.visit("学会・セミナー一覧(ゲスト)", "/member/seminars")
    walk.visit("学会・セミナー参加一覧(ゲスト)", "/member/seminars/participations")
    walk.visit("お問い合わせ(ゲスト)", "/member/inquiry")
    walk.visit("会員限定のページ(ゲスト)", "/member/card", status=403)


def test_no_accessibility_violations_on_any_page(page, viewport, app_server):
    enable_axe(page.context)
    walk = Walk(page)
    anonymous_pages(walk, app_server, viewport)
    demo_member_pages(walk)
    paying_member_pages(walk, viewport)
    other_member_pages(walk)
    guest_pages(walk)

    print(f"\naxe ({viewport}) checked {len(walk.covered)} pages: " + "、".join(walk.covered))
    assert walk.covered == EXPECTED_PAGES
    assert not walk.found, f"axe found violations at {viewport} size:\n{walk.report()}"
