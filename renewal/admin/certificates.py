"""出席証明書 in the admin: staff issue a credit's certificate (a paper certificate's credit
included) from the 受講履歴 listing or a credit's inspect page. The rule and the history entry
belong to ``renewal.certificates``; this is the button, its URL and the log formatter."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogFormatter

from .. import certificates
from ..models import Credit
from ..views.certificates import certificate_response
from .common import CREDIT_URLS

LABEL = "出席証明書を発行"


def may_issue(user, policy):
    return policy.user_has_permission(user, "view")


def certificate_url(credit):
    return reverse(f"{CREDIT_URLS}:certificate", args=[credit.pk])


def list_button(credit):
    return MenuItem(LABEL, url=certificate_url(credit), icon_name="doc-full", priority=5)


def header_button(credit):
    return HeaderButton(LABEL, url=certificate_url(credit), icon_name="doc-full")


def certificate_urlpatterns(policy):
    """The viewset's extra URL: ``certificate/<pk>/`` answering the PDF."""

    def issue(request, pk):
        if not may_issue(request.user, policy):
            raise PermissionDenied
        try:
            credit = certificates.staff_certificate(credit_id=pk, user=request.user)
        except Credit.DoesNotExist:
            raise Http404("受講履歴が見つかりません。") from None
        return certificate_response(credit)

    return [path("certificate/<int:pk>/", issue, name="certificate")]


class CertificateIssuedLogFormatter(LogFormatter):
    label = "出席証明書の発行"

    def format_message(self, log_entry):
        by = (log_entry.data or {}).get("by")
        return "事務局が出席証明書を発行しました" if by == "staff" else "会員が出席証明書をダウンロードしました"


LOG_ACTIONS = {certificates.ISSUED_ACTION: CertificateIssuedLogFormatter}
