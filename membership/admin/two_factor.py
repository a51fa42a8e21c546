"""設定 › 2段階認証: who of the staff has enrolled an authenticator app, and the secretariat's
reset of a colleague's device (lost or replaced phone, no recovery code left). The reset goes
through ``membership.two_factor.reset_two_factor``, which writes the history entry."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.generic import TemplateView
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import LogFormatter

from core.admin_kit import datetime_display

from ..two_factor import ENROL_ACTION, RECOVERY_CODES_ACTION, RESET_ACTION, TwoFactorError, reset_two_factor

RESET_PERMISSION = "membership.reset_two_factor_user"


def staff_accounts():
    """Every account that must log in with a second factor, with its enrolment state."""
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        get_user_model()
        .objects.filter(Q(is_staff=True) | Q(is_superuser=True) | Q(kind=get_user_model().Kind.STAFF))
        .annotate(
            enrolled=Exists(devices),
            recovery_codes=Count("staticdevice__token_set", distinct=True),
        )
        .order_by("username")
    )


class TwoFactorScreen(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(RESET_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class TwoFactorIndexView(TwoFactorScreen):
    template_name = "membership/admin/two_factor_index.html"
    page_title = "2段階認証"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        last_used = dict(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", "last_used_at"))
        rows = [
            {"account": account, "last_used": datetime_display(last_used.get(account.pk)) or "-"}
            for account in staff_accounts()
        ]
        context.update(rows=rows, own_codes_url=reverse("two_factor:recovery_codes"))
        return context


class TwoFactorResetView(TwoFactorScreen):
    template_name = "membership/admin/two_factor_reset.html"
    page_title = "2段階認証のリセット"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.account = get_object_or_404(staff_accounts(), pk=kwargs["pk"])

    def get_page_subtitle(self):
        return self.account.username

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("two_factor_admin:index"), "label": "2段階認証"},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(account=self.account, error=kwargs.get("error"))
        return context

    def post(self, request, pk):
        try:
            reset_two_factor(target=self.account, user=request.user)
        except TwoFactorError as error:
            return self.render_to_response(self.get_context_data(error=str(error)))
        messages.success(
            request,
            f"{self.account.username}さんの2段階認証をリセットしました。次のログインで認証アプリを登録し直します。",
        )
        return redirect("two_factor_admin:index")


urlpatterns = [
    path("", TwoFactorIndexView.as_view(), name="index"),
    path("<int:pk>/reset/", TwoFactorResetView.as_view(), name="reset"),
]


class TwoFactorLogFormatter(LogFormatter):
    label = ""

    def format_message(self, log_entry):
        return self.label


class EnrolLogFormatter(TwoFactorLogFormatter):
    label = "2段階認証を登録"


class ResetLogFormatter(TwoFactorLogFormatter):
    label = "2段階認証をリセット"


class RecoveryCodesLogFormatter(TwoFactorLogFormatter):
    label = "リカバリーコードを再発行"


LOG_ACTIONS = {
    ENROL_ACTION: EnrolLogFormatter,
    RESET_ACTION: ResetLogFormatter,
    RECOVERY_CODES_ACTION: RecoveryCodesLogFormatter,
}
