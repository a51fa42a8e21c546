"""This app's entries in the members-area menu (``membership.shell`` registry) and dashboard notices."""

from django.urls import reverse
from django.utils import timezone

from membership.shell import DashboardNotice, dashboard_notice, register_menu_entry

# Months before the certification expires from which a points shortfall is announced.
SHORTFALL_NOTICE_MONTHS = 12

register_menu_entry("受講履歴ポイント照会", "renewal:credits", order=60)


@dashboard_notice
def credit_shortfall_notice(request):
    """Points short while the certification ends within 12 months: say how many, link to guide 9."""
    from .credits import evaluate

    member = request.user.member_profile
    if member is None or member.certification_expires_on is None:
        return
    evaluation = evaluate(member, today=timezone.localdate())
    if evaluation.expires_within_months(SHORTFALL_NOTICE_MONTHS) and not evaluation.eligible:
        yield DashboardNotice(
            message=f"更新に必要な点数が不足しています(あと{evaluation.shortfall}点)",
            url=reverse("renewal:credits"),
            level="warning",
        )
