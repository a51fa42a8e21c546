"""Demo trades for ``manage.py seed_demo`` (config): convenience-store payments whose numbers
are issued (REQSUCCESS), as our side recorded them, so that the console can mark them paid
or expired. Speaks no one's models but its own: the caller hands over the trade's fields.
"""

from django.conf import settings

from .models import SandboxTrade

# The payment term, in days, that the demo trades were asked for.
DEMO_PAYMENT_TERM_DAYS = 7


def ensure_issued_store_trade(
    *,
    order_id,
    amount,
    overview,
    ret_url,
    customer_name,
    customer_email,
    cvs_code,
    cvs_conf_no,
    cvs_receipt_no,
    payment_term,
):
    """The trade of ``order_id``, created issued at a convenience store if missing."""
    trade, _ = SandboxTrade.objects.get_or_create(
        order_id=order_id,
        defaults={
            "shop_id": settings.GMO_SHOP_ID,
            "config_id": settings.GMO_CONFIG_ID,
            "checkout_hash": "demo",
            "pay_type": SandboxTrade.PayType.CVS,
            "status": SandboxTrade.Status.REQSUCCESS,
            "amount": amount,
            "overview": overview,
            "ret_url": ret_url,
            "customer_name": customer_name,
            "customer_email": customer_email,
            "payment_term_day": DEMO_PAYMENT_TERM_DAYS,
            "cvs_code": cvs_code,
            "cvs_conf_no": cvs_conf_no,
            "cvs_receipt_no": cvs_receipt_no,
            "payment_term": payment_term,
        },
    )
    return trade
