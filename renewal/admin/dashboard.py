"""The admin dashboard's 資格更新 panel (added in wagtail_hooks.py for staff who may view renewals)."""

from django.db.models import Count, Q
from django.urls import reverse
from wagtail.admin.ui.components import Component

from ..models import ExtensionApplication, RenewalApplication
from .common import EXTENSION_URLS, RENEWAL_URLS


class RenewalWorkPanel(Component):
    """The admin dashboard's 資格更新 panel: what waits for the secretariat."""

    name = "renewal_work"
    template_name = "renewal/admin/renewal_panel.html"
    order = 70

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        State = RenewalApplication.State
        counts = RenewalApplication.objects.aggregate(
            submitted=Count("pk", filter=Q(state=State.SUBMITTED)),
            to_issue=Count("pk", filter=Q(state=State.APPROVED, invoice__status__in=["paid", "exempt"])),
            awaiting_fee=Count("pk", filter=Q(state=State.APPROVED, invoice__status="unpaid")),
        )
        extensions = ExtensionApplication.objects.filter(state=ExtensionApplication.State.SUBMITTED).count()
        renewals_url = reverse(f"{RENEWAL_URLS}:list")
        context["rows"] = [
            ("資格更新申請(事務局確認中)", counts["submitted"], f"{renewals_url}?state={State.SUBMITTED}"),
            ("入金確認済(会員証発行待ち)", counts["to_issue"], f"{renewals_url}?state={State.APPROVED}&fee_paid=true"),
            ("更新料 未納", counts["awaiting_fee"], f"{renewals_url}?state={State.APPROVED}&fee_paid=false"),
            ("更新延長申請(事務局確認中)", extensions, f"{reverse(f'{EXTENSION_URLS}:list')}?state=submitted"),
        ]
        return context
