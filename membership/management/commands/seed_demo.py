"""Demo data for `make run`: the public page tree, an admin and a demo member.

Idempotent: running it again finds what is there and adds only what is missing, so the
printed logins always work. Later features extend it so the system looks lived in.
"""

import datetime
import os

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction, Site

from cms_pages.models import HomePage, NoticeIndexPage, NoticePage, QAPage, SocietySettings, StandardPage
from membership.models import Member, User

DEMO_MEMBER_NUMBER = "0012345"
DEMO_MEMBER_PASSWORD = os.environ.get("DEMO_MEMBER_PASSWORD", "Demo2026pass")
DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = os.environ.get("DEMO_ADMIN_PASSWORD", "Admin2026demo")

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


class Command(BaseCommand):
    help = "Create (or complete) the demo data and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options):
        home = self.ensure_home_page()
        self.ensure_settings(home)
        self.ensure_notices(home)
        self.ensure_qa_and_guide(home)
        self.ensure_admin()
        self.ensure_demo_member()
        self.stdout.write(
            "\nデモのログイン情報:\n"
            f"  会員ページ  http://127.0.0.1:8000/member/login  会員番号 {DEMO_MEMBER_NUMBER}  パスワード {DEMO_MEMBER_PASSWORD}\n"
            f"  管理画面    http://127.0.0.1:8000/admin/         ユーザー名 {DEMO_ADMIN_USERNAME}  パスワード {DEMO_ADMIN_PASSWORD}\n"
        )

    def ensure_home_page(self):
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

    def ensure_settings(self, home):
        site = Site.objects.get(root_page=home)
        settings = SocietySettings.for_site(site)
        if not settings.contact_email:
            settings.society_name = "日本消化器内視鏡技師会"
            settings.contact_email = "info@example.jp"
            settings.receipt_issuer_name = "一般社団法人 日本消化器内視鏡技師会"
            settings.receipt_issuer_address = "東京都千代田区神田1-1-1"
            settings.save()

    def ensure_notices(self, home):
        index = NoticeIndexPage.objects.child_of(home).first()
        if index is None:
            index = home.add_child(instance=NoticeIndexPage(title="お知らせ", slug="notices"))
        today = timezone.localdate()
        for slug, title, days_ago, members_only, body in NOTICES:
            if NoticePage.objects.child_of(index).filter(slug=slug).exists():
                continue
            notice = index.add_child(
                instance=NoticePage(title=title, slug=slug, date=today - datetime.timedelta(days=days_ago), body=body)
            )
            if members_only:
                PageViewRestriction.objects.create(page=notice, restriction_type=PageViewRestriction.LOGIN)

    def ensure_qa_and_guide(self, home):
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
                    body="<p>会員ページでは、会員情報の確認・変更、会費のお支払い、学会・セミナーの参加申込、"
                    "受講履歴ポイントの照会、資格更新の申請ができます。</p>",
                )
            )

    def ensure_admin(self):
        admin = User.objects.filter(username=DEMO_ADMIN_USERNAME).first()
        if admin is None:
            User.objects.create_superuser(
                username=DEMO_ADMIN_USERNAME,
                email="admin@example.jp",
                password=DEMO_ADMIN_PASSWORD,
                kind=User.Kind.STAFF,
            )
        elif not admin.check_password(DEMO_ADMIN_PASSWORD):
            admin.set_password(DEMO_ADMIN_PASSWORD)
            admin.save()

    def ensure_demo_member(self):
        user = User.objects.filter(username=DEMO_MEMBER_NUMBER).first()
        if user is None:
            user = User.objects.create_user(
                username=DEMO_MEMBER_NUMBER,
                email="demo-member@example.jp",
                password=DEMO_MEMBER_PASSWORD,
                kind=User.Kind.MEMBER,
            )
        elif not user.check_password(DEMO_MEMBER_PASSWORD):
            user.set_password(DEMO_MEMBER_PASSWORD)
            user.save()
        Member.objects.get_or_create(
            user=user,
            defaults={
                "member_number": DEMO_MEMBER_NUMBER,
                "family_name": "山田",
                "given_name": "花子",
                "family_name_kana": "ヤマダ",
                "given_name_kana": "ハナコ",
                "birth_date": datetime.date(1980, 5, 12),
                "joined_on": datetime.date(2010, 4, 1),
                "home_postal_code": "812-0011",
                "home_prefecture": "福岡県",
                "home_address1": "福岡市博多区博多駅前1-1-1",
                "home_address2": "博多ハイツ301",
                "workplace_name": "福岡中央病院 内視鏡センター",
                "workplace_postal_code": "810-0001",
                "workplace_prefecture": "福岡県",
                "workplace_address1": "福岡市中央区天神2-2-2",
                "phone": "0921234567",
                "mobile": "09012345678",
                "certification_number": "G-012345",
                "certification_expires_on": datetime.date(timezone.localdate().year + 2, 3, 31),
            },
        )
