"""A member's history in the admin: each staff edit lists what changed (field, old → new),
from the log entry's data written by ``membership.members.MemberEditAction``."""

from django.utils.functional import cached_property
from wagtail.admin.views.generic.history import ActionColumn
from wagtail.log_actions import LogFormatter
from wagtail.snippets.views import snippets as snippet_views

EMPTY_DISPLAY = "(空欄)"


def describe_changes(changes):
    return "、".join(f"{c['label']}「{c['old'] or EMPTY_DISPLAY}」→「{c['new'] or EMPTY_DISPLAY}」" for c in changes)


class MemberEditLogFormatter(LogFormatter):
    label = "会員情報の変更"

    def format_message(self, log_entry):
        changes = (log_entry.data or {}).get("changes") or []
        if not changes:
            return "会員情報を保存しました(変更なし)"
        return f"会員情報を変更しました: {describe_changes(changes)}"


class MemberChangesColumn(ActionColumn):
    """The history's action column, listing each change (field, old → new) under the action."""

    cell_template_name = "membership/admin/history_action_cell.html"


class MemberHistoryView(snippet_views.HistoryView):
    @cached_property
    def columns(self):
        columns = list(super().columns)
        action = columns[0]
        columns[0] = MemberChangesColumn(
            action.name,
            label=action.label,
            object=action.object,
            url_names=action.url_names,
            user_can_unschedule=action.user_can_unschedule,
        )
        return columns
