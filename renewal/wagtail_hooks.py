"""Wagtail admin set-up of the renewal app (DESIGN.md 8)."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .renewal_viewsets import LOG_ACTIONS as RENEWAL_LOG_ACTIONS
from .renewal_viewsets import PERMISSION_POLICIES as RENEWAL_PERMISSION_POLICIES
from .renewal_viewsets import RenewalViewSetGroup

for _model, _policy in RENEWAL_PERMISSION_POLICIES.items():
    register_permission_policy(_model, _policy)

register_snippet(RenewalViewSetGroup)


@hooks.register("register_log_actions")
def register_renewal_log_actions(actions):
    for action, formatter in RENEWAL_LOG_ACTIONS.items():
        actions.register_action(action)(formatter)
