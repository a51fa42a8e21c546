"""Demo pages for ``manage.py seed_demo`` (config): the public page tree (home, notices, Q&A,
the guide, the inquiry form) and the society settings.

Idempotent: what is there is found and left alone; only what is missing is added.
"""

import datetime

from django.utils import timezone
from wagtail.models import Page, Site

from .models import (
    HomePage,
    InquiryFormField,
    InquiryPage,
    NoticeIndexPage,
    NoticePage,
    QAPage,
    SocietySettings,
    StandardPage,
)

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

QUESTIONS = [
    (
        "ログインできません。",
        "<p>会員番号が0から始まる方は0も入力してください。パスワードは大文字と小文字を区別します。</p>",
    ),
    (
        "初めてログインします。パスワードが分かりません。",
        "<p>ログイン画面の「パスワードを忘れた場合」から、会員番号と登録メールアドレスでパスワードを設定してください。</p>",
    ),
    ("メールが届きません。", "<p>迷惑メールフィルターで技師会からのメールがブロックされていないかご確認ください。</p>"),
]

INQUIRY_INTRO = (
    "<p>会員管理システムの操作や会員情報についてのお問い合わせは、このフォームからお送りください。</p>"
    "<p>お問い合わせ内容は、できるだけ具体的に、日本語の文章でご記入ください。"
    "画面のハードコピー(スクリーンショット)があると状況を把握しやすくなります。"
    "お送りいただける場合は、事務局からの返信メールにご返信のうえ添付してください。</p>"
)
INQUIRY_THANKS = "<p>お問い合わせを受け付けました。内容を確認のうえ、事務局よりメールでご連絡いたします。</p>"
INQUIRY_FIELDS = [
    # (label, field type, prefilled from the member's profile, help text)
    ("氏名", "singleline", "name", ""),
    ("フリガナ", "singleline", "furigana", ""),
    (
        "会員番号(またはゲストユーザー番号・不明)",
        "singleline",
        "member_number",
        "分からない方は「不明」とご記入ください。",
    ),
    ("メールアドレス", "email", "email", "事務局からの返信先です。"),
    ("お問い合わせ内容", "multiline", "", "できるだけ具体的にご記入ください。"),
]


def ensure_demo_site():
    """The page tree and the settings; returns the home page."""
    home = ensure_home_page()
    ensure_settings(home)
    ensure_notices(home)
    ensure_qa_and_guide(home)
    ensure_inquiry_page(home)
    return home


def ensure_home_page():
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(
            instance=HomePage(
                title="日本消化器内視鏡技師会",
                slug="home-jgets",
                intro="<p>消化器内視鏡技師の資質向上と、安全で質の高い内視鏡医療のために活動しています。</p>",
            )
        )
        site = Site.objects.filter(is_default_site=True).first()
        old_root = site.root_page if site else None
        if site is None:
            Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
        else:
            site.root_page = home
            site.site_name = "日本消化器内視鏡技師会"
            site.save()
        # Wagtail's initial "Welcome" page is not ours.
        if old_root is not None and old_root.specific_class is Page and old_root.depth == 2:
            old_root.delete()
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
    index = NoticeIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(instance=NoticeIndexPage(title="お知らせ", slug="notices"))
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
    if not QAPage.objects.child_of(home).exists():
        home.add_child(
            instance=QAPage(
                title="会員管理システムに関する Q&A",
                slug="qa",
                questions=[("qa", {"question": q, "answer": a}) for q, a in QUESTIONS],
            )
        )
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


def ensure_inquiry_page(home):
    """お問い合わせフォーム (guide 16) with the details the guide asks for, mailed to the
    society's contact address (the settings' fallback), and chosen in the society settings."""
    page = InquiryPage.objects.child_of(home).first()
    if page is None:
        page = home.add_child(
            instance=InquiryPage(
                title="お問い合わせ",
                slug="inquiry",
                intro=INQUIRY_INTRO,
                thank_you_text=INQUIRY_THANKS,
                subject="【会員管理システム】お問い合わせ",
                form_fields=[
                    InquiryFormField(
                        sort_order=n,
                        label=label,
                        field_type=field_type,
                        required=True,
                        help_text=help_text,
                        prefill=prefill,
                    )  # fmt: skip
                    for n, (label, field_type, prefill, help_text) in enumerate(INQUIRY_FIELDS)
                ],
            )
        )
    site_settings = SocietySettings.for_site(Site.objects.get(root_page=home))
    if site_settings.inquiry_page_id is None:
        site_settings.inquiry_page = page
        site_settings.save(update_fields=["inquiry_page"])
