"""カード自動払い in the admin (会費・入金): each fiscal year's automatic charges, their progress,
and the members whose card was declined (their invoices stay unpaid; they were mailed).

``/admin/auto-charges/`` lists the runs; ``/admin/auto-charges/<year>/`` shows one, reloading
itself while it runs. Read-only: the charges are made by ``billing.auto_charges``.
"""

from django.http import Http404
from django.urls import path
from wagtail.log_actions import LogFormatter

from ..billing.auto_charges import AUTO_CHARGES_SCHEDULED_ACTION
from ..billing.autopay import AUTOPAY_CARD_ACTION, AUTOPAY_STARTED_ACTION, AUTOPAY_STOPPED_ACTION
from ..billing.payments import card_error_message
from ..models import AutoCharge, AutoChargeRun, Invoice
from .dues import MoneyScreen
from .money import INVOICE_URLS, VIEW_PERMISSION, url_with

DECLINED_SHOWN = 500


class AutoChargesScheduledLogFormatter(LogFormatter):
    label = "カード自動払いの予定"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return f"{data.get('fiscal_year', '')}年度の会費 {data.get('scheduled', 0):,}件をカード自動払いの予定にしました(引き落とし日 {data.get('charge_on', '')})"


class AutoPayLogFormatter(LogFormatter):
    def format_message(self, log_entry):
        return f"{self.label}({(log_entry.data or {}).get('card', '')})"


def _formatter(text):
    return type("Formatter", (AutoPayLogFormatter,), {"label": text})


LOG_ACTIONS = {
    AUTO_CHARGES_SCHEDULED_ACTION: AutoChargesScheduledLogFormatter,
    AUTOPAY_STARTED_ACTION: _formatter("カード自動払いを開始"),
    AUTOPAY_CARD_ACTION: _formatter("自動払いのカードを変更"),
    AUTOPAY_STOPPED_ACTION: _formatter("カード自動払いを停止"),
}


class AutoChargeRunsView(MoneyScreen):
    permission = VIEW_PERMISSION
    template_name = "membership/admin/auto_charges.html"
    page_title = "カード自動払い"
    header_icon = "credit-card"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["runs"] = AutoChargeRun.objects.order_by("-fiscal_year")[:20]
        return context


class AutoChargeRunView(MoneyScreen):
    """One year's automatic charges: progress (the page reloads itself while they run) and the declined."""

    permission = VIEW_PERMISSION
    template_name = "membership/admin/auto_charge_run.html"
    page_title = "カード自動払いの進み具合"
    header_icon = "credit-card"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = AutoChargeRun.objects.filter(fiscal_year=self.kwargs["fiscal_year"]).first()
        if run is None:
            raise Http404
        declined = list(
            AutoCharge.objects.filter(run=run, state=AutoCharge.State.DECLINED)
            .select_related("invoice__member")
            .order_by("invoice__member__member_number")[:DECLINED_SHOWN]
        )
        for charge in declined:
            charge.reason = card_error_message(charge.error_code)
        context.update(
            run=run,
            declined=declined,
            unpaid_url=url_with(
                f"{INVOICE_URLS}:list",
                fiscal_year=run.fiscal_year,
                category=Invoice.Category.DUES,
                status=Invoice.Status.UNPAID,
            ),  # fmt: skip
            back_url=url_with("auto_charges_admin:index"),
        )
        return context


urlpatterns = [
    path("", AutoChargeRunsView.as_view(), name="index"),
    path("<int:fiscal_year>/", AutoChargeRunView.as_view(), name="run"),
]
