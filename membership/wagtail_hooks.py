"""Wagtail admin set-up (DESIGN.md 8): members (admin/members.py), login lockouts
(admin/lockouts.py), applications (admin/applications.py) and the 会費・入金 group (admin/: invoices, invoice_actions, payments,
notifications, dues; shared names in admin/money.py)."""

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from core.admin_kit import PermissionMenuItem
from core.protected_delete import refuse_protected_delete

from .admin import auto_charges as auto_charges_admin
from .admin import dues as dues_admin
from .admin import invoice_actions, invoice_documents, lockouts, notifications
from .admin import two_factor as two_factor_admin
from .admin.applications import LOG_ACTIONS as APPLICATION_LOG_ACTIONS
from .admin.applications import PERMISSION_POLICY as APPLICATION_PERMISSION_POLICY
from .admin.applications import ApplicationViewSet, PendingApplicationsPanel
from .admin.dues import DuesRuleViewSet, MoneySummaryPanel
from .admin.invoices import InvoiceViewSet
from .admin.member_history import MemberEditLogFormatter
from .admin.members import MemberViewSet
from .admin.money import (
    GENERATE_PERMISSION,
    MONEY_MENU_HOOK,
    PERMISSION_POLICIES,
    REMIND_PERMISSION,
    VIEW_PERMISSION,
)
from .admin.notifications import GatewayNotificationViewSet
from .admin.payments import PaymentViewSet
from .members import MEMBER_EDIT_ACTION, MemberDeleteAction, MemberEditAction
from .models import DuesRule, GatewayNotification, Invoice, Member, MembershipApplication, Payment
from .password_reset import PASSWORD_RESET_ACTION

LOG_ACTIONS = {
    **invoice_actions.LOG_ACTIONS,
    **dues_admin.LOG_ACTIONS,
    **notifications.LOG_ACTIONS,
    **lockouts.LOG_ACTIONS,
    PASSWORD_RESET_ACTION: lockouts.PasswordResetLogFormatter,
    **two_factor_admin.LOG_ACTIONS,
    **auto_charges_admin.LOG_ACTIONS,
    **invoice_documents.LOG_ACTIONS,
}


class MoneyViewSetGroup(SnippetViewSetGroup):
    """会費・入金: 請求, 会費の一括請求, 督促メール, 決済, 決済通知, 会費設定."""

    items = (InvoiceViewSet, PaymentViewSet, GatewayNotificationViewSet, DuesRuleViewSet)
    menu_label = "会費・入金"
    menu_icon = "doc-full"
    menu_name = "money"
    menu_order = 120
    submenu_hook = MONEY_MENU_HOOK

    # Menu positions; the screens registered through MONEY_MENU_HOOK use 200 and 300.
    item_orders = {Invoice: 100, Payment: 400, GatewayNotification: 500, DuesRule: 600}

    def get_submenu_items(self):
        return [viewset.get_menu_item(order=self.item_orders[viewset.model]) for viewset in self.registerables]


# Money rows are never deleted here and payments are only looked at: registered before any
# view asks for the models' policies.
for _model, _policy in PERMISSION_POLICIES.items():
    register_permission_policy(_model, _policy)
register_permission_policy(MembershipApplication, APPLICATION_PERMISSION_POLICY)

register_snippet(MemberViewSet)
register_snippet(MoneyViewSetGroup)
register_snippet(ApplicationViewSet)


@hooks.register("register_actions")
def register_member_actions(registry):
    # Staff edits record which fields changed (shown in the member's history).
    registry.register(Member, MemberEditAction)
    # Deleting a member removes its account too.
    registry.register(Member, MemberDeleteAction)


@hooks.register("register_log_actions")
def register_member_log_actions(actions):
    actions.register_action(MEMBER_EDIT_ACTION)(MemberEditLogFormatter)


@hooks.register("register_log_actions")
def register_money_and_application_log_actions(actions):
    for action, formatter in {**LOG_ACTIONS, **APPLICATION_LOG_ACTIONS}.items():
        actions.register_action(action)(formatter)


@hooks.register("register_admin_urls")
def register_money_admin_urls():
    return [path("dues/", include((dues_admin.urlpatterns, "dues_admin")))]


@hooks.register("register_admin_urls")
def register_lockout_admin_urls():
    return [path("lockouts/", include((lockouts.urlpatterns, "lockouts_admin")))]


@hooks.register("register_admin_menu_item")
def register_lockouts_menu_item():
    return PermissionMenuItem(
        "ログインロック",
        reverse("lockouts_admin:list"),
        name="lockouts",
        icon_name="lock",
        order=115,
        permission=lockouts.UNLOCK_PERMISSION,
    )


@hooks.register("register_admin_urls")
def register_two_factor_admin_urls():
    return [path("two-factor/", include((two_factor_admin.urlpatterns, "two_factor_admin")))]


@hooks.register("register_settings_menu_item")
def register_two_factor_menu_item():
    return PermissionMenuItem(
        "2段階認証",
        reverse("two_factor_admin:index"),
        name="two_factor",
        icon_name="lock",
        order=900,
        permission=two_factor_admin.RESET_PERMISSION,
    )


@hooks.register(MONEY_MENU_HOOK)
def register_dues_generation_menu_item():
    return PermissionMenuItem(
        "会費の一括請求",
        reverse("dues_admin:generate"),
        name="dues_generate",
        icon_name="list-ul",
        order=200,
        permission=GENERATE_PERMISSION,
    )


@hooks.register(MONEY_MENU_HOOK)
def register_dues_reminders_menu_item():
    return PermissionMenuItem(
        "督促メール",
        reverse("dues_admin:reminders"),
        name="dues_reminders",
        icon_name="mail",
        order=300,
        permission=REMIND_PERMISSION,
    )


@hooks.register("construct_homepage_panels")
def add_money_summary_panel(request, panels):
    if request.user.has_perm(VIEW_PERMISSION):
        panels.append(MoneySummaryPanel(request.user))


@hooks.register("construct_homepage_panels")
def add_pending_applications_panel(request, panels):
    if APPLICATION_PERMISSION_POLICY.user_has_permission(request.user, "view"):
        panels.append(PendingApplicationsPanel())


@hooks.register("before_delete_snippet")
def refuse_bulk_delete_without_permission(request, instances):
    """Wagtail's bulk delete page (``/admin/bulk/<app>/<model>/delete/?id=…``) lists the chosen
    objects' names even to a user who may not delete them (the list is "no permission"),
    which would let an editor read who is a member or who applied to withdraw by walking the
    ids. Anyone without the model's delete permission is refused the page outright."""
    match = request.resolver_match
    if match is None or "model_name" not in match.kwargs:
        return None  # a single object's delete view: Wagtail checks the permission itself
    model = apps.get_model(match.kwargs["app_label"], match.kwargs["model_name"])
    policy = policy_registry.get_by_type(model)
    if not policy.user_has_permission(request.user, "delete"):
        raise PermissionDenied
    return None


# What to do instead when a row cannot be deleted (core.protected_delete).
PROTECTED_DELETE_HINTS = {Member: "会員をやめる場合は、会員ステータス(退会・資格喪失)を変更してください。"}


@hooks.register("before_delete_snippet")
def refuse_delete_of_protected_rows(request, instances):
    """A member with invoices, registrations or credits (PROTECT), or any other row others
    protect, is not deleted: a message instead of the 500 of Django's ProtectedError."""
    return refuse_protected_delete(request, instances, hints=PROTECTED_DELETE_HINTS)


@hooks.register("register_admin_urls")
def register_auto_charges_admin_urls():
    return [path("auto-charges/", include((auto_charges_admin.urlpatterns, "auto_charges_admin")))]


@hooks.register(MONEY_MENU_HOOK)
def register_auto_charges_menu_item():
    return PermissionMenuItem(
        "カード自動払い",
        reverse("auto_charges_admin:index"),
        name="auto_charges",
        icon_name="credit-card",
        order=350,
        permission=VIEW_PERMISSION,
    )


@hooks.register("register_admin_urls")
def register_invoice_document_admin_urls():
    return [path("invoice-documents/", include((invoice_documents.urlpatterns, "invoice_documents_admin")))]


@hooks.register(MONEY_MENU_HOOK)
def register_invoice_document_batch_menu_item():
    return PermissionMenuItem(
        "請求書の一括作成",
        reverse("invoice_documents_admin:batch"),
        name="invoice_document_batch",
        icon_name="doc-full-inverse",
        order=360,
        permission=invoice_documents.BATCH_PERMISSION,
    )
