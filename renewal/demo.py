"""Demo rows of renewal for ``manage.py seed_demo`` (the project's command in config), after
membership's: seminars (the guide's examples, dated around today) with the demo member's two
registrations (one attended in the past, one upcoming) and two paper certificates, and two
members due for renewal with their credits, one of whom has applied; a small hands-on seminar
whose session is full, with a waiting list (キャンセル待ち) the demo member stands third in.

Idempotent: seminars are found by title and left alone once there; registrations, credits
and renewal applications are added only when missing.
"""

import datetime

from django.utils import timezone

from core.dates import add_months
from membership.billing.dues import unpaid_dues
from membership.billing.payments import record_manual_payment
from membership.models import Invoice, Member

from . import renewals, waiting_list
from .attendance import mark_attended
from .models import Credit, CreditCategory, LectureKind, Registration, Seminar, Session
from .registrations import next_ticket_number, register

DEMO_MEMBER_NUMBER = "0012345"

ENGINEER = "技師学会・研究会"
EQUIPMENT = "機器講習会"
MEDICAL = "医学・その他セミナー"

# title: (organizer, venue, starts in days, length in days, application opens / closes in days,
#         onsite, elearning, [(session title, points, category, lecture kind, required, fee, capacity)])
# Onsite sessions admit guests (非会員) too, at twice the members' fee: the demo guest
# G0000001 can apply for 第91回 (members 3,000円, guests 6,000円).
SEMINARS = {
    "第89回日本消化器内視鏡技師学会": (
        "日本消化器内視鏡技師学会", "福岡国際会議場", -200, 2, -260, -210, True, True,
        [("内視鏡技師学会", 10, ENGINEER, None, True, 0, None)],
    ),
    "第91回日本消化器内視鏡技師学会": (
        "日本消化器内視鏡技師学会", "奈良県コンベンションセンター", 45, 2, -15, 30, True, True,
        [("内視鏡技師学会", 10, ENGINEER, None, True, 3000, 800)],
    ),
    "第82回近畿消化器内視鏡技師学会": (
        "近畿消化器内視鏡技師学会", "オービックホール", 30, 1, -20, 20, True, False,
        [("近畿消化器内視鏡技師学会", 10, ENGINEER, None, True, 0, 300)],
    ),
    "e-ラーニング_1 (医学講義)": (
        "日本消化器内視鏡技師学会", "e-learning", 10, 60, -30, 60, False, True,
        [("大腸腫瘍の内視鏡治療と治療後のサーベイランスup-to date (広島大学病院 岡志郎先生)", 2, MEDICAL, "医学講義", False, 0, None)],
    ),
    "e-ラーニング_2 (医学講義)": (
        "日本消化器内視鏡技師学会", "e-learning", 10, 60, -30, 60, False, True,
        [("上部消化器疾患の内視鏡診療と治療について (安佐市民病院 永田信二先生)", 2, MEDICAL, "医学講義", False, 0, None)],
    ),
    "第16回 内視鏡機器講習会": (
        "日本消化器内視鏡技師会", "大阪国際会議場", 55, 1, -7, 40, True, True,
        [
            ("内視鏡の構造と点検", 5, EQUIPMENT, None, False, 2000, 60),
            ("処置具の取り扱い", 5, EQUIPMENT, None, False, 2000, 60),
        ],
    ),
    "第15回 内視鏡洗浄・消毒機器講習会": (
        "日本消化器内視鏡技師会", "東京ビッグサイト 会議棟", 14, 1, -40, -5, True, False,
        [
            ("洗浄・消毒の基本", 5, EQUIPMENT, None, True, 0, 40),
            ("内視鏡機器の保守点検", 5, EQUIPMENT, None, False, 0, 40),
        ],
    ),
}  # fmt: skip

# The demo member's paper attendance certificates entered by the secretariat (days ago): with the
# attended 第89回 they fill 技師学会・研究会 to its cap, so the dashboard and 受講履歴ポイント照会
# show a full category (not suggested) beside two with room (equipment, medical seminars).
DEMO_CERTIFICATES = (
    ("第88回日本消化器内視鏡技師学会(出席証明書)", ENGINEER, 10, 560),
    ("九州支部 消化器内視鏡技師研究会(出席証明書)", MEDICAL, 6, 420),
)
PAST_SEMINAR = "第89回日本消化器内視鏡技師学会"
UPCOMING_SEMINAR = "第82回近畿消化器内視鏡技師学会"


def ensure_demo_seminars(today=None):
    today = today or timezone.localdate()
    for title, (organizer, venue, start, length, opens, closes, onsite, elearning, sessions) in SEMINARS.items():
        if Seminar.objects.filter(title=title).exists():
            continue
        starts_on = today + datetime.timedelta(days=start)
        seminar = Seminar.objects.create(
            title=title,
            organizer=organizer,
            venue=venue,
            starts_on=starts_on,
            ends_on=starts_on + datetime.timedelta(days=length - 1),
            application_opens_on=today + datetime.timedelta(days=opens),
            application_closes_on=today + datetime.timedelta(days=closes),
            onsite=onsite,
            elearning=elearning,
            description="会員ページの「学会・セミナー一覧」からお申し込みください。",
        )
        for order, (name, points, category, kind, required, fee, capacity) in enumerate(sessions):
            Session.objects.create(
                seminar=seminar,
                title=name,
                points=points,
                credit_category=CreditCategory.objects.get(name=category),
                lecture_kind=LectureKind.objects.filter(name=kind).first() if kind else None,
                requirement=Session.Requirement.REQUIRED if required else Session.Requirement.OPTIONAL,
                members_allowed=True,
                guests_allowed=onsite,
                fee_member=fee,
                fee_guest=fee * 2 if fee else 0,
                capacity=capacity,
                sort_order=order,
            )
    _ensure_demo_registrations(today)
    ensure_demo_waiting_list(today)
    ensure_demo_checkin(today)


def _ensure_demo_registrations(today):
    member = Member.objects.filter(member_number=DEMO_MEMBER_NUMBER).first()
    if member is None:
        return
    for title, category, points, days_ago in DEMO_CERTIFICATES:
        if not member.credits.filter(title=title).exists():
            Credit.objects.create(
                member=member,
                credit_category=CreditCategory.objects.get(name=category),
                points=points,
                earned_on=today - datetime.timedelta(days=days_ago),
                source=Credit.Source.CERTIFICATE,
                title=title,
                organizer="日本消化器内視鏡技師会",
            )
    for title, attended in ((PAST_SEMINAR, True), (UPCOMING_SEMINAR, False)):
        session = Session.objects.filter(seminar__title=title).order_by("sort_order", "pk").first()
        if session is None or Registration.objects.filter(session=session, member=member).exists():
            continue
        # Written directly: the past seminar's application period is over, which register() refuses.
        registration = Registration.objects.create(
            session=session,
            member=member,
            participation_format=Registration.Format.ONSITE,
            ticket_number=next_ticket_number(session),
        )
        # Applied when the seminar's application period was open.
        applied_at = timezone.make_aware(
            datetime.datetime.combine(session.seminar.application_opens_on, datetime.time(10, 0))
        )
        Registration.objects.filter(pk=registration.pk).update(applied_at=applied_at)
        if attended:
            mark_attended(registration=registration)


# The demo members inside the renewal window with enough points (資格更新): the first may
# apply now, the second has applied and waits for the secretariat.
RENEWAL_MEMBERS = (("0020019", False), ("0020020", True))
RENEWAL_POINTS = {ENGINEER: 30, EQUIPMENT: 10, MEDICAL: 20}


def ensure_demo_renewals(today=None):
    today = today or timezone.localdate()
    for number, apply in RENEWAL_MEMBERS:
        member = Member.objects.filter(member_number=number, status=Member.Status.ACTIVE).first()
        if member is None or member.credits.exists():
            continue
        member.certification_expires_on = add_months(today, 4).replace(day=1) - datetime.timedelta(days=1)
        member.save(update_fields=["certification_expires_on"])
        for invoice in unpaid_dues(member):  # a member who renews has paid the dues
            record_manual_payment(invoice_id=invoice.pk, channel=Invoice.Channel.YUCHO, paid_on=today, notify=False)
        for name, value in RENEWAL_POINTS.items():
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


# A full session with a waiting list (キャンセル待ち): three demo members hold its seats, two
# more wait, and the demo member is third in line (学会・セミナー参加一覧 shows 「3番目」). Staff see
# the line under セミナー・受講歴 › キャンセル待ち; cancelling a seat offers it to the first.
WAITLIST_SEMINAR = "内視鏡実技ハンズオンセミナー(少人数制)"
WAITLIST_SESSION = "ESD介助の実技"


def ensure_demo_waiting_list(today=None):
    today = today or timezone.localdate()
    renewing = [number for number, _ in RENEWAL_MEMBERS]
    others = list(
        Member.objects.filter(status=Member.Status.ACTIVE, member_number__startswith="00200")
        .exclude(member_number__in=renewing)
        .order_by("member_number")[:5]
    )
    if len(others) < 5 or Seminar.objects.filter(title=WAITLIST_SEMINAR).exists():
        return
    starts_on = today + datetime.timedelta(days=35)
    seminar = Seminar.objects.create(
        title=WAITLIST_SEMINAR,
        organizer="日本消化器内視鏡技師会",
        venue="東京国際フォーラム",
        starts_on=starts_on,
        ends_on=starts_on,
        application_opens_on=today - datetime.timedelta(days=10),
        application_closes_on=today + datetime.timedelta(days=25),
        description="定員3名の実技セミナーです。満席の場合はキャンセル待ちに登録できます。",
    )
    session = Session.objects.create(
        seminar=seminar,
        title=WAITLIST_SESSION,
        points=5,
        credit_category=CreditCategory.objects.get(name=EQUIPMENT),
        guests_allowed=True,
        capacity=3,
    )
    for member in others[:3]:
        register(member=member, session=session, participation_format=Registration.Format.ONSITE, today=today)
    waiting = others[3:] + list(Member.objects.filter(member_number=DEMO_MEMBER_NUMBER))
    for member in waiting:
        waiting_list.join(member=member, session=session, today=today)


# A seminar held today for trying the check-in desk (受付, ``renewal.checkin``) with the demo
# receptionist: a free morning session with seven demo members registered (the demo member's
# card, with no registration, can register on the spot), and an afternoon session whose fee
# two demo members have not paid yet (the desk takes it as 窓口). Moved to today when seeded again.
CHECKIN_SEMINAR = "受付体験セミナー(本日開催)"
CHECKIN_SESSIONS = (("午前の部 内視鏡の洗浄・消毒", 0, 50, 7), ("午後の部 処置具の取り扱い", 2000, 30, 2))


def ensure_demo_checkin(today=None):
    today = today or timezone.localdate()
    opens_on = today - datetime.timedelta(days=30)
    # Applications closed yesterday (the desk registers on the day past it), so that the members'
    # lists and suggestions stay as they were.
    closes_on = today - datetime.timedelta(days=1)
    dates = {"starts_on": today, "ends_on": today, "application_opens_on": opens_on, "application_closes_on": closes_on}
    seminar = Seminar.objects.filter(title=CHECKIN_SEMINAR).first()
    if seminar is None:
        seminar = Seminar.objects.create(
            title=CHECKIN_SEMINAR, organizer="日本消化器内視鏡技師会", venue="大阪国際会議場 10階", onsite=True,
            description="受付(QRコードの読み取り)を試すためのデモのセミナーです。", **dates,
        )  # fmt: skip
    elif seminar.starts_on != today:
        Seminar.objects.filter(pk=seminar.pk).update(**dates)
    active = Member.objects.filter(status=Member.Status.ACTIVE, member_number__startswith="00200").order_by(
        "member_number"
    )
    members = list(active)
    for order, (title, fee, capacity, registrations) in enumerate(CHECKIN_SESSIONS):
        session, created = Session.objects.get_or_create(
            seminar=seminar, title=title,
            defaults={"points": 5, "credit_category": CreditCategory.objects.get(name=EQUIPMENT), "fee_member": fee,
                      "fee_guest": fee * 2, "capacity": capacity, "guests_allowed": True, "sort_order": order},
        )  # fmt: skip
        if not created:
            continue
        chosen, members = members[:registrations], members[registrations:]
        for member in chosen:  # applied while applications were open
            register(member=member, session=session, participation_format=Registration.Format.ONSITE, today=opens_on)
