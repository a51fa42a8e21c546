"""Demo pages for ``manage.py seed_demo`` (config): the public page tree (home, notices, Q&A,
the guide, the inquiry form; the pages every installation has are ``site_setup.py``'s) and the
society settings.

Idempotent: what is there is found and left alone; only what is missing is added.
"""

import datetime

from django.utils import timezone
from wagtail.models import Site

from .models import NoticePage, SocietySettings, StandardPage
from .site_setup import ensure_home_page, ensure_inquiry_page, ensure_notice_index, ensure_qa_page

NOTICES = [
    # (slug, title, days ago, members only, body)
    (
        "system-open",
        "会員管理システムを公開しました",
        60,
        False,
        "<p>会員ページから、会員情報の確認・変更、会費のお支払い、学会・セミナーへの参加申込ができます。</p>",
    ),
    (
        "dues-reminder",
        "年会費納入のお願い",
        30,
        True,
        "<p>今年度の年会費の納入をお願いいたします。会員ページの「会費支払い明細」からお支払いいただけます。</p>",
    ),
    (
        "seminar-open",
        "技師学会の参加申込を開始しました",
        14,
        False,
        "<p>会員ページの「学会・セミナー一覧」からお申し込みください。</p>",
    ),
    (
        "renewal-guide",
        "資格更新手続きのご案内",
        7,
        True,
        "<p>今年度が更新年にあたる方は、会員ページの「資格更新確認」から申請してください。</p>",
    ),
    (
        "maintenance",
        "システムメンテナンスのお知らせ",
        2,
        False,
        "<p>メンテナンスのため、一時的に会員ページをご利用いただけない時間帯があります。</p>",
    ),
]


def ensure_demo_site():
    """The page tree and the settings; returns the home page."""
    home = ensure_home_page()
    ensure_settings(home)
    ensure_notices(home)
    ensure_qa_and_guide(home)
    ensure_inquiry_page(home)
    return home


def ensure_settings(home):
    site = Site.objects.get(root_page=home)
    settings = SocietySettings.for_site(site)
    if not settings.contact_email:
        settings.society_name = "日本消化器内視鏡技師会"
        settings.contact_email = "info@example.jp"
        settings.receipt_issuer_name = "一般社団法人 日本消化器内視鏡技師会"
        settings.receipt_issuer_address = "東京都千代田区神田1-1-1"
        settings.save()
    if not settings.invoice_bank_account:  # 請求書 (membership.billing.invoice_documents)
        settings.invoice_bank_account = (
            "みずほ銀行 神田支店 普通 1234567\n口座名義 シャ)ニホンショウカキナイシキョウギシカイ"
        )
        settings.save()


def ensure_notices(home):
    index = ensure_notice_index(home)
    today = timezone.localdate()
    for slug, title, days_ago, members_only, body in NOTICES:
        if NoticePage.objects.child_of(index).filter(slug=slug).exists():
            continue
        # 会員限定 is a field of the notice: the page's save creates its view restriction with it.
        index.add_child(
            instance=NoticePage(
                title=title,
                slug=slug,
                date=today - datetime.timedelta(days=days_ago),
                members_only=members_only,
                body=body,
            )
        )


def ensure_qa_and_guide(home):
    ensure_qa_page(home)
    if not StandardPage.objects.child_of(home).filter(slug="guide").exists():
        home.add_child(
            instance=StandardPage(
                title="会員ページご利用ガイド",
                slug="guide",
                show_in_menus=True,  # linked from the home page
                body="<p>会員ページでは、会員情報の確認・変更、会費のお支払い、学会・セミナーの参加申込、"
                "受講履歴ポイントの照会、資格更新の申請ができます。</p>",
            )
        )
