"""自動継続 on 会費支払い明細: the member's card on file and the charges to come or that failed."""

from django import template

from membership.models import AutoCharge, AutoPay

register = template.Library()


@register.inclusion_tag("membership/autopay_panel.html")
def autopay_panel(member):
    """The card, then (only with an active card: the panel shows charges under it) the charges not
    yet made or declined: one query for most members, two for those paying by card."""
    # One-to-one: at most one row, no ORDER BY ... LIMIT needed.
    autopay = next(iter(AutoPay.objects.filter(member_id=member.pk)), None)
    if autopay is None or not autopay.is_active:
        return {"autopay": autopay, "charges": []}
    charges = list(
        AutoCharge.objects.filter(
            invoice__member=member,
            invoice__status="unpaid",
            state__in=(AutoCharge.State.SCHEDULED, AutoCharge.State.CHARGING, AutoCharge.State.DECLINED),
        )
        .select_related("invoice", "run")
        .order_by("-invoice__fiscal_year")[:3]
    )
    return {"autopay": autopay, "charges": charges}
