"""Wagtail admin set-up (DESIGN.md 8): the 「セミナー・受講履歴」 group (viewsets.py)."""

from django.apps import apps
from django.core.exceptions import PermissionDenied
from wagtail import hooks
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.snippets.models import register_snippet

from .viewsets import LOG_ACTIONS, PERMISSION_POLICIES, MarkAttendedBulkAction, SeminarViewSetGroup

# Registered before any view asks for the models' policies.
for _model, _policy in PERMISSION_POLICIES.items():
    register_permission_policy(_model, _policy)

register_snippet(SeminarViewSetGroup)


@hooks.register("register_log_actions")
def register_renewal_log_actions(actions):
    for action, formatter in LOG_ACTIONS.items():
        actions.register_action(action)(formatter)


# 「参加済にする」 for the selected registrations (the hook takes the class itself).
hooks.register("register_bulk_action", MarkAttendedBulkAction)


@hooks.register("before_delete_snippet")
def refuse_renewal_bulk_delete_without_permission(request, instances):
    """Wagtail's bulk delete page lists the chosen objects' names even to a user who may not
    delete them; for this app's models (members' registrations and credits) it is refused
    outright to anyone without the model's delete permission."""
    match = request.resolver_match
    if match is None or match.kwargs.get("app_label") != "renewal" or "model_name" not in match.kwargs:
        return None  # another app, or a single object's delete view (Wagtail checks it)
    model = apps.get_model("renewal", match.kwargs["model_name"])
    if not policy_registry.get_by_type(model).user_has_permission(request.user, "delete"):
        raise PermissionDenied
    return None
