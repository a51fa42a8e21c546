"""決済通知 in the admin: the gateway's notifications as received, read-only, and 確認済 for a
flagged (要確認) one (``billing.notifications.resolve_notification``, which writes the history)."""

import django_filters
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import (
    ActionFormView,
    ActionOnlyViewSetMixin,
    ReadOnlyIndexView,
    ReadOnlyInspectView,
    datetime_display,
)

from ..billing.notifications import NOTIFICATION_RESOLVED_ACTION, resolve_notification
from ..models import GatewayNotification
from .money import NOTIFICATION_URLS, PAYMENT_URLS, can_change


class NotificationResolvedLogFormatter(LogFormatter):
    label = "決済通知の確認"

    def format_message(self, log_entry):
        note = (log_entry.data or {}).get("note")
        return "確認済にしました" + (f": 「{note}」" if note else "")


LOG_ACTIONS = {NOTIFICATION_RESOLVED_ACTION: NotificationResolvedLogFormatter}


class NotificationFilterSet(WagtailFilterSet):
    outcome = django_filters.ChoiceFilter(
        label="処理結果", choices=GatewayNotification.Outcome.choices, empty_label="すべて", widget=forms.Select
    )
    resolved = django_filters.ChoiceFilter(
        label="確認",
        choices=[("unresolved", "未確認"), ("resolved", "確認済")],
        empty_label="すべて",
        method="filter_resolved",
        widget=forms.Select,
    )

    class Meta:
        model = GatewayNotification
        fields = ["outcome", "resolved"]

    def filter_resolved(self, queryset, name, value):
        if value == "unresolved":
            return queryset.filter(resolved_at=None)
        if value == "resolved":
            return queryset.exclude(resolved_at=None)
        return queryset


def needs_resolving(notification):
    return notification.outcome == GatewayNotification.Outcome.FLAGGED and notification.resolved_at is None


def _resolution(notification):
    if notification.resolved_at:
        return f"確認済 {notification.resolved_by} {datetime_display(notification.resolved_at)}"
    if notification.outcome == GatewayNotification.Outcome.FLAGGED:
        return "未確認"
    return ""


class NotificationIndexView(ReadOnlyIndexView):
    export_name = "gateway-notifications"
    title_label = "受信日時"

    def row_actions(self, instance):
        if needs_resolving(instance) and can_change(self.request.user, GatewayNotification):
            return [
                MenuItem(
                    "確認済にする",
                    url=reverse(f"{NOTIFICATION_URLS}:resolve", args=[instance.pk]),
                    icon_name="check",
                    priority=1,
                )
            ]
        return []


class NotificationInspectView(ReadOnlyInspectView):
    def header_actions(self):
        if needs_resolving(self.object) and can_change(self.request.user, GatewayNotification):
            url = reverse(f"{NOTIFICATION_URLS}:resolve", args=[self.object.pk])
            return [HeaderButton("確認済にする", url=url, icon_name="check")]
        return []

    def get_payment_display_value(self):
        payment = self.object.payment
        if payment is None:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse(f"{PAYMENT_URLS}:inspect", args=[payment.pk]), payment)

    def get_received_at_display_value(self):
        return datetime_display(self.object.received_at)

    def get_processed_at_display_value(self):
        return datetime_display(self.object.processed_at) or "-"

    def get_resolved_at_display_value(self):
        return datetime_display(self.object.resolved_at) or "-"

    def get_body_display_value(self):
        return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', self.object.body)


class NotificationResolveForm(forms.Form):
    note = forms.CharField(
        label="確認内容",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="何を確認し、どう対応したか(任意。履歴に残ります)",
    )


class NotificationResolveView(ActionFormView):
    model = GatewayNotification
    header_icon = "warning"
    page_title = "確認済にする"
    form_class = NotificationResolveForm
    submit_label = "確認済にする"
    explanation = (
        "確認済にしても決済や請求の状態は変わりません。入金の記録や取消が必要なら、請求の画面で行ってください。"
    )

    def summary(self):
        record = self.object
        return [
            ("受信日時", datetime_display(record.received_at)),
            ("オーダーID", record.order_id),
            ("通知ステータス", record.status),
            ("処理結果", record.get_outcome_display()),
            ("詳細", record.detail),
        ]

    def blocked_reason(self):
        if self.object.outcome != GatewayNotification.Outcome.FLAGGED:
            return "要確認の通知ではありません。"
        if self.object.resolved_at:
            return f"この通知は{self.object.resolved_by}さんが確認済みにしています。"
        return ""

    def perform(self, data):
        return resolve_notification(notification_id=self.object.pk, user=self.request.user, note=data["note"])

    def success_message(self, record):
        return f"決済通知({record.order_id or '-'})を確認済にしました。"


class GatewayNotificationViewSet(ActionOnlyViewSetMixin, SnippetViewSet):
    model = GatewayNotification
    icon = "warning"
    menu_label = "決済通知"
    menu_name = "gateway_notifications"

    index_view_class = NotificationIndexView
    inspect_view_class = NotificationInspectView

    list_per_page = 50
    ordering = "-received_at"
    list_display = [
        "received_at",
        Column("order_id", label="オーダーID", sort_key="order_id"),
        Column("status", label="通知ステータス", sort_key="status"),
        Column("outcome", label="処理結果", accessor="get_outcome_display", sort_key="outcome"),
        Column("detail", label="詳細"),
        Column("resolution", label="確認", accessor=_resolution, sort_key="resolved_at"),
    ]
    filterset_class = NotificationFilterSet
    search_fields = ["order_id", "detail"]
    search_backend_name = None

    list_export = ["received_at", "order_id", "status", "get_outcome_display", "detail", "resolved_by", "resolved_at"]
    export_headings = {
        "received_at": "受信日時",
        "order_id": "オーダーID",
        "status": "通知ステータス",
        "get_outcome_display": "処理結果",
        "detail": "詳細",
        "resolved_by": "確認者",
        "resolved_at": "確認日時",
    }

    inspect_view_fields = [
        "received_at",
        "order_id",
        "status",
        "payment",
        "outcome",
        "detail",
        "processed_at",
        "resolved_by",
        "resolved_at",
        "body",
    ]

    action_views = {
        "resolve": NotificationResolveView,
    }
