"""This app's entries in the members-area menu (``membership.shell`` registry) and dashboard notices."""

from django.urls import reverse
from django.utils import timezone

from membership.menu import not_a_guest
from membership.models import Member
from membership.shell import DashboardNotice, dashboard_notice, register_menu_entry

# Months before the certification expires from which a points shortfall is announced.
SHORTFALL_NOTICE_MONTHS = 12
NO_LONGER_MEMBERS = (Member.Status.WITHDRAWN, Member.Status.LAPSED)

register_menu_entry("学会・セミナー一覧", "renewal:seminars", order=30, active_for=["renewal:registration_new"])
register_menu_entry("学会・セミナー参加一覧", "renewal:participations", order=35)
register_menu_entry(
    "資格更新確認", "renewal:renewal", order=40, active_for=["renewal:renewal_apply"], shown_for=not_a_guest
)
register_menu_entry("受講履歴ポイント照会", "renewal:credits", order=60, shown_for=not_a_guest)


def _covered_by_an_extension(member):
    """The open programmes (almost always none) come from the cache: no query on most pages."""
    from .extensions import menu_programmes_for

    if member.is_guest:
        return False

    return bool(menu_programmes_for(member))


register_menu_entry("更新延長申請", "renewal:extension", order=140, shown_for=_covered_by_an_extension)


@dashboard_notice
def renewal_due_notice(request):
    """Guide 7 ①: 「資格更新のお手続きをお願いします」 while the application window is open."""
    from core.dates import add_months

    from .models import RenewalSettings
    from .renewals import current_application

    member = request.user.member_profile
    if member is None or member.status != Member.Status.ACTIVE or member.certification_expires_on is None:
        return
    today = timezone.localdate()
    expires_on = member.certification_expires_on
    opens_on = add_months(expires_on, -RenewalSettings.load(request_or_site=request).application_window_months)
    if not opens_on <= today <= expires_on:
        return
    applied = current_application(member).exists()
    if not applied:
        yield DashboardNotice(
            message=f"資格更新のお手続きをお願いします(有効期限 {expires_on:%Y年%-m月%-d日})。",
            url=reverse("renewal:renewal"),
            level="warning",
        )


@dashboard_notice
def credit_shortfall_notice(request):
    """Points short while the certification ends within 12 months: say how many, link to guide 9."""
    from .dashboard import request_evaluation

    member = request.user.member_profile
    if member is None or member.certification_expires_on is None or member.status in NO_LONGER_MEMBERS:
        return
    evaluation = request_evaluation(request, member)
    if evaluation.expires_within_months(SHORTFALL_NOTICE_MONTHS) and not evaluation.eligible:
        yield DashboardNotice(
            message=f"更新に必要な点数が不足しています(あと{evaluation.shortfall}点)。",
            url=reverse("renewal:credits"),
            level="warning",
        )


@dashboard_notice
def waitlist_offer_notice(request):
    """キャンセル待ち: a seat offered to the member waits for their answer until its deadline (the
    offer mail may go unread); links to the offer's page."""
    from .models import WaitlistEntry

    member = request.user.member_profile
    if member is None:
        return
    offers = (
        WaitlistEntry.objects.filter(
            member_id=member.pk, state=WaitlistEntry.State.OFFERED, offer_expires_at__gt=timezone.now()
        )
        .order_by("offer_expires_at")
        .values_list("pk", "session__seminar__title", "session__title", "offer_expires_at")
    )
    for entry_id, seminar_title, session_title, expires_at in offers:
        yield DashboardNotice(
            message=f"キャンセル待ちの席をご案内しています: {seminar_title}({session_title})。"
            f"{timezone.localtime(expires_at):%Y/%m/%d %H:%M}までにお申し込みか辞退かをお選びください。",
            url=reverse("renewal:waitlist_offer", args=[entry_id]),
            level="warning",
        )
