"""Wagtail admin set-up (DESIGN.md 8): the 「セミナー・受講歴」 and 「資格更新」 groups of the
snippet viewsets in ``renewal.admin``, their permission policies and history formatters, the
bulk 「参加済にする」, the dashboard panel and this app's sections of a member's admin page. The
bulk delete page is guarded for every app in membership/wagtail_hooks.py."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from .admin import (
    checkin,  # noqa: F401  registers the 受付 (check-in desk) pages, menu item and permission
    credits,
    extensions,
    member_sections,  # noqa: F401  registers this app's sections of a member's admin page
    registrations,
    renewals,
    seminars,
    waiting_list,
)
from .admin.dashboard import RenewalWorkPanel
from .models import RenewalApplication, Seminar

PERMISSION_POLICIES = {
    **registrations.PERMISSION_POLICIES,
    **credits.PERMISSION_POLICIES,
    **renewals.PERMISSION_POLICIES,
    **extensions.PERMISSION_POLICIES,
    **waiting_list.PERMISSION_POLICIES,
}
LOG_ACTIONS = {
    **registrations.LOG_ACTIONS,
    **credits.LOG_ACTIONS,
    **renewals.LOG_ACTIONS,
    **extensions.LOG_ACTIONS,
    **waiting_list.LOG_ACTIONS,
}


class SeminarViewSetGroup(SnippetViewSetGroup):
    """セミナー・受講歴: 学会・セミナー, 参加申込, 受講履歴, 更新条件集計種別, 講義区分."""

    items = (
        seminars.SeminarViewSet,
        registrations.RegistrationViewSet,
        credits.CreditViewSet,
        credits.CreditCategoryViewSet,
        credits.LectureKindViewSet,
        waiting_list.WaitlistViewSet,
    )
    menu_label = "セミナー・受講歴"  # 8 characters: what the sidebar shows beside a group's arrow
    menu_icon = "date"
    menu_name = "seminars_credits"
    menu_order = 130


class RenewalViewSetGroup(SnippetViewSetGroup):
    """資格更新: 資格更新申請, 更新延長措置, 更新延長申請."""

    items = (renewals.RenewalViewSet, extensions.ExtensionProgrammeViewSet, extensions.ExtensionApplicationViewSet)
    menu_label = "資格更新"
    menu_icon = "tasks"
    menu_name = "renewal"
    menu_order = 140


# Registered before any view asks for the models' policies.
for _model, _policy in PERMISSION_POLICIES.items():
    register_permission_policy(_model, _policy)

register_snippet(SeminarViewSetGroup)
register_snippet(RenewalViewSetGroup)


@hooks.register("register_log_actions")
def register_renewal_log_actions(actions):
    for action, formatter in LOG_ACTIONS.items():
        actions.register_action(action)(formatter)


# 「参加済にする」 for the selected registrations (the hook takes the class itself).
hooks.register("register_bulk_action", registrations.MarkAttendedBulkAction)


@hooks.register("construct_homepage_panels")
def add_renewal_panel(request, panels):
    if PERMISSION_POLICIES[RenewalApplication].user_has_permission(request.user, "view"):
        panels.append(RenewalWorkPanel())


@hooks.register("after_edit_snippet")
def offer_seats_after_seminar_edit(request, instance):
    """Staff raised a session's capacity on the seminar form: the freed seats go to those waiting."""
    if isinstance(instance, Seminar):
        waiting_list.offer_after_seminar_edit(request, instance)
