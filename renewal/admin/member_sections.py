"""What the renewal app adds to a member's page in the admin (membership/admin_sections.py):
seminar registrations, credits against the renewal requirement, renewal applications.
Registered when wagtail_hooks.py imports this module."""

from django.urls import reverse
from django.utils.http import urlencode

from core.admin_kit import date_display, datetime_display
from membership.admin_sections import Link, MemberSection, member_section

from ..credits import evaluate
from ..models import Credit, Registration, RenewalApplication
from .common import CREDIT_URLS, REGISTRATION_URLS, RENEWAL_URLS
from .credits import PERMISSION_POLICIES as CREDIT_POLICIES
from .registrations import PERMISSION_POLICIES as REGISTRATION_POLICIES
from .renewals import PERMISSION_POLICIES as RENEWAL_POLICIES
from .renewals import renewal_progress


def _search(url_name, member):
    return f"{reverse(url_name)}?{urlencode({'q': member.member_number})}"


@member_section
def registrations_section(member, user):
    if not REGISTRATION_POLICIES[Registration].user_has_permission(user, "view"):
        return None
    registrations = list(
        member.registrations.select_related("session__seminar", "invoice").order_by("-applied_at")[:10]
    )
    return MemberSection(
        heading="学会・セミナー参加申込(新しい順に10件)",
        columns=["学会・セミナー", "セッション", "開催日", "状態", "参加費", "参加"],
        rows=[
            [
                Link(r.session.seminar.title, reverse(f"{REGISTRATION_URLS}:inspect", args=[r.pk])),
                r.session.title,
                date_display(r.session.date, "-"),
                r.get_state_display(),
                r.invoice.get_status_display() if r.invoice else "無料",
                "参加済" if r.attended else "-",
            ]
            for r in registrations
        ],
        more_url=_search(f"{REGISTRATION_URLS}:list", member),
        order=30,
    )


@member_section
def credits_section(member, user):
    if not CREDIT_POLICIES[Credit].user_has_permission(user, "view"):
        return None
    evaluation = evaluate(member)
    if evaluation.has_cycle:
        summary = (
            f"現在の更新期間 {evaluation.cycle_start:%Y/%m/%d}〜{evaluation.cycle_end:%Y/%m/%d}: "
            f"総得点 {evaluation.total} / {evaluation.required}点("
            + "、".join(f"{c.name} {c.earned}/{c.cap}" for c in evaluation.categories)
            + f")。{'更新可' if evaluation.eligible else '更新不可'}"
        )
    else:
        summary = "認定有効期限がないため、更新条件を評価できません。"
    credits = list(member.credits.select_related("session__seminar", "credit_category").order_by("-earned_on")[:10])
    return MemberSection(
        heading="受講履歴(新しい順に10件)",
        summary=summary,
        columns=["開催日", "学会・セミナー", "更新条件集計種別", "点数", "登録元"],
        rows=[
            [
                Link(date_display(c.earned_on, "-"), reverse(f"{CREDIT_URLS}:inspect", args=[c.pk])),
                c.display_title,
                c.credit_category.name,
                f"{c.points}点",
                c.get_source_display(),
            ]
            for c in credits
        ],
        more_url=_search(f"{CREDIT_URLS}:list", member),
        order=40,
    )


@member_section
def renewals_section(member, user):
    if not RENEWAL_POLICIES[RenewalApplication].user_has_permission(user, "view"):
        return None
    applications = list(member.renewal_applications.select_related("invoice").order_by("-submitted_at")[:5])
    return MemberSection(
        heading="資格更新申請",
        columns=["申請日時", "更新前の有効期限", "更新後の有効期限", "状態"],
        rows=[
            [
                Link(datetime_display(a.submitted_at, "-"), reverse(f"{RENEWAL_URLS}:inspect", args=[a.pk])),
                date_display(a.expires_on, "-"),
                date_display(a.new_expires_on, "-"),
                renewal_progress(a),
            ]
            for a in applications
        ],
        more_url=_search(f"{RENEWAL_URLS}:list", member),
        order=50,
    )
