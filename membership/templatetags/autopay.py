"""自動継続 on 会費支払い明細: the member's card on file and the charges to come or that failed."""

from django import template

from membership.models import AutoCharge, AutoPay

register = template.Library()


@register.inclusion_tag("membership/autopay_panel.html")
def autopay_panel(member):
    """Two queries, whatever the member's history: the card, and the charges not yet made or declined."""
    autopay = AutoPay.objects.filter(member=member).first()
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
