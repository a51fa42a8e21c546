"""Wagtail admin set-up for members (DESIGN.md 8): the viewsets live in viewsets.py."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .models import Member
from .viewsets import (
    MEMBER_EDIT_ACTION,
    MemberDeleteAction,
    MemberEditAction,
    MemberEditLogFormatter,
    MemberViewSet,
)

register_snippet(MemberViewSet)


@hooks.register("register_actions")
def register_member_actions(registry):
    # Staff edits record which fields changed (shown in the member's history).
    registry.register(Member, MemberEditAction)
    # Deleting a member removes its account too.
    registry.register(Member, MemberDeleteAction)


@hooks.register("register_log_actions")
def register_member_log_actions(actions):
    actions.register_action(MEMBER_EDIT_ACTION)(MemberEditLogFormatter)
