"""Wagtail admin set-up (DESIGN.md 8): the 「セミナー・受講履歴」 group (viewsets.py) and the
「資格更新」 group (renewal_viewsets.py). The bulk delete page is guarded for every app in
membership/wagtail_hooks.py."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from . import member_sections  # noqa: F401  registers this app's sections of a member's admin page
from .models import RenewalApplication
from .renewal_viewsets import LOG_ACTIONS as RENEWAL_LOG_ACTIONS
from .renewal_viewsets import PERMISSION_POLICIES as RENEWAL_PERMISSION_POLICIES
from .renewal_viewsets import RenewalViewSetGroup, RenewalWorkPanel
from .viewsets import LOG_ACTIONS, PERMISSION_POLICIES, MarkAttendedBulkAction, SeminarViewSetGroup

# Registered before any view asks for the models' policies.
for _model, _policy in {**PERMISSION_POLICIES, **RENEWAL_PERMISSION_POLICIES}.items():
    register_permission_policy(_model, _policy)

register_snippet(SeminarViewSetGroup)
register_snippet(RenewalViewSetGroup)


@hooks.register("register_log_actions")
def register_renewal_log_actions(actions):
    for action, formatter in {**LOG_ACTIONS, **RENEWAL_LOG_ACTIONS}.items():
        actions.register_action(action)(formatter)


# 「参加済にする」 for the selected registrations (the hook takes the class itself).
hooks.register("register_bulk_action", MarkAttendedBulkAction)


@hooks.register("construct_homepage_panels")
def add_renewal_panel(request, panels):
    if RENEWAL_PERMISSION_POLICIES[RenewalApplication].user_has_permission(request.user, "view"):
        panels.append(RenewalWorkPanel())
