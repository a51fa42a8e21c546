"""The public site's pages every installation needs: the ホームページ (the default site's root, in
place of Wagtail's English "Welcome to your new Wagtail site!" page), お知らせ (the notice list),
the Q&A page and the お問い合わせ form with the member guide's questions and fields.

``manage.py setup_site`` makes them on a new installation (README, running in production);
``seed_demo`` makes them too, with demo notices and settings (``demo.py``). Idempotent: what is
there is found and left alone; only what is missing is added.
"""

from wagtail.models import Page, Site

from .models import HomePage, InquiryFormField, InquiryPage, NoticeIndexPage, QAPage, SocietySettings

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


def ensure_public_site():
    """The pages of a new installation; returns the home page."""
    home = ensure_home_page()
    ensure_notice_index(home)
    ensure_qa_page(home)
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


def ensure_notice_index(home):
    index = NoticeIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(instance=NoticeIndexPage(title="お知らせ", slug="notices"))
    return index


def ensure_qa_page(home):
    if not QAPage.objects.child_of(home).exists():
        home.add_child(
            instance=QAPage(
                title="会員管理システムに関する Q&A",
                slug="qa",
                questions=[("qa", {"question": q, "answer": a}) for q, a in QUESTIONS],
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
