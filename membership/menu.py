"""This app's entries in the members-area menu and dashboard."""

from django.conf import settings
from django.urls import reverse

from .applications import KIND_URL_NAMES
from .dashboard import request_pending_application, request_unpaid_invoices
from .models import Invoice, Member
from .shell import DashboardNotice, dashboard_notice, register_menu_entry

register_menu_entry("ダッシュボード", "member:dashboard", order=0, guests=True)
register_menu_entry("会員詳細", "member:profile", order=10, active_for=["member:profile_edit"])
register_menu_entry(
    "会費支払い明細",
    "member:dues",
    order=20,
    active_for=["member:payment_method", "member:payment", "member:payment_start"],
)


def not_a_guest(member):
    """Entries about membership itself are hidden from guests (非会員(ゲスト))."""
    return not member.is_guest


register_menu_entry("デジタル会員証確認", "member:card", order=50, shown_for=not_a_guest)
register_menu_entry("お知らせ一覧", "member:notices", order=100, guests=True)
# A member sees the applications that can apply to them: 休会申請 only while active, 休会復帰申請 only while on leave,
# none once withdrawn or lapsed (the pages still answer, with the reason).
_still_a_member = (Member.Status.ACTIVE, Member.Status.ON_LEAVE)
register_menu_entry(
    "休会申請", "member:application_leave", order=120, shown_for=lambda member: member.status == Member.Status.ACTIVE
)
register_menu_entry(
    "休会復帰申請",
    "member:application_return",
    order=130,
    shown_for=lambda member: member.status == Member.Status.ON_LEAVE,
)
register_menu_entry(
    "退会申請", "member:application_withdrawal", order=150, shown_for=lambda member: member.status in _still_a_member
)
register_menu_entry("お問い合わせ", "member:inquiry", order=800, guests=True)
register_menu_entry("パスワード再設定", "member:password_change", order=900, guests=True)


@dashboard_notice
def unpaid_dues_notice(request):
    member = request.user.member_profile
    if member is None:
        return
    unpaid = request_unpaid_invoices(request, member)
    years = sorted({invoice.fiscal_year for invoice in unpaid if invoice.category == Invoice.Category.DUES})
    if years:
        listed = "、".join(f"{year}年度" for year in years)
        yield DashboardNotice(
            message=f"未納の年会費があります({listed})。会費支払い明細からお支払いください。",
            url=reverse("member:dues"),
            level="warning",
        )


@dashboard_notice
def password_age_notice(request):
    if request.user.password_is_old:
        yield DashboardNotice(
            message=(
                f"パスワードの変更から{settings.PASSWORD_MAX_AGE_DAYS}日以上経過しています。"
                "個人情報保護のため、パスワードの変更をお願いします。"
            ),
            url=reverse("member:password_change"),
            level="warning",
        )


@dashboard_notice
def pending_application_notice(request):
    member = request.user.member_profile
    application = request_pending_application(request, member) if member is not None else None
    if application is None:
        return
    if application.state == application.State.SUBMITTED:
        message = f"{application.get_kind_display()}は事務局で確認中です。"
    else:
        message = (
            f"{application.get_kind_display()}が承認されました。"
            f"{application.effective_on:%Y年%-m月%-d日}から{application.target_status.label}となります。"
        )
    yield DashboardNotice(message=message, url=reverse(KIND_URL_NAMES[application.kind]))
