"""What the staff's money screens (the 会費・入金 menu group) share: URL names, the menu hook,
the permission policies and the money formats.

The screens: ``invoices`` / ``invoice_actions`` (請求), ``payments`` (決済), ``notifications``
(決済通知), ``dues`` (会費設定, 会費の一括請求, 督促メール, the dashboard panel); the group is
assembled and registered in ``membership/wagtail_hooks.py``. Money rows are never edited through
a model form: the listings are read-only and every change goes through one service of
``membership.billing``, which writes the history entry.
"""

from django.urls import reverse
from django.utils.http import urlencode

from core.admin_kit import RestrictedPermissionPolicy

from ..models import GatewayNotification, Invoice, Payment

INVOICE_URLS = "wagtailsnippets_membership_invoice"
PAYMENT_URLS = "wagtailsnippets_membership_payment"
NOTIFICATION_URLS = "wagtailsnippets_membership_gatewaynotification"
DUES_RULE_URLS = "wagtailsnippets_membership_duesrule"

# The money menu's own screens (admin/dues.py) join the group through this hook.
MONEY_MENU_HOOK = "register_money_menu_item"

GENERATE_PERMISSION = "membership.add_invoice"
REMIND_PERMISSION = "membership.change_invoice"
VIEW_PERMISSION = "membership.view_invoice"

PERMISSION_POLICIES = {
    Invoice: RestrictedPermissionPolicy(Invoice, ["add", "change", "view"]),
    Payment: RestrictedPermissionPolicy(Payment, ["view"]),
    # "change" on a notification means marking it 確認済; there is no edit form.
    GatewayNotification: RestrictedPermissionPolicy(GatewayNotification, ["change", "view"]),
}


def can_change(user, model):
    return PERMISSION_POLICIES[model].user_has_permission(user, "change")


def yen(value):
    return "" if value is None else f"{value:,}円"


def channel_label(value):
    return str(dict(Invoice.Channel.choices).get(value, value or ""))


def url_with(name, **params):
    """``reverse(name)`` with a query string."""
    url = reverse(name)
    return f"{url}?{urlencode(params, doseq=True)}" if params else url
