"""更新延長 in the admin (the 「資格更新」 group, registered in wagtail_hooks.py).

- 更新延長措置: declared and edited by the staff (who is covered, until when, how long).
- 更新延長申請: a read-only listing; 承認 (moves the expiry on) or 差戻し on the inspect page,
  each a small confirm form calling one service of ``renewal.extensions`` (which logs it).
"""

from django.urls import reverse
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import (
    ActionOnlyViewSetMixin,
    NoChooserMixin,
    NoteForm,
    NoteLogFormatter,
    ReadOnlyIndexView,
    ReadOnlyInspectView,
    RequiredNoteForm,
    RestrictedPermissionPolicy,
    WorkflowActionView,
    date_display,
    datetime_display,
)
from membership.admin_sections import member_link

from .. import extensions
from ..models import ExtensionApplication, ExtensionProgramme
from .common import EXTENSION_URLS

PERMISSION_POLICIES = {
    ExtensionApplication: RestrictedPermissionPolicy(ExtensionApplication, ["change", "view"]),
    ExtensionProgramme: RestrictedPermissionPolicy(ExtensionProgramme, ["add", "change", "view"]),
}


class ExtensionApprovedLogFormatter(NoteLogFormatter):
    label = "承認"
    message = "承認しました"


class ExtensionRejectedLogFormatter(NoteLogFormatter):
    label = "差戻し"
    message = "差戻ししました"


LOG_ACTIONS = {
    extensions.EXTENSION_APPROVED_ACTION: ExtensionApprovedLogFormatter,
    extensions.EXTENSION_REJECTED_ACTION: ExtensionRejectedLogFormatter,
}


def _can_decide(user):
    return PERMISSION_POLICIES[ExtensionApplication].user_has_permission(user, "change")


class ExtensionProgrammeViewSet(NoChooserMixin, SnippetViewSet):
    model = ExtensionProgramme
    icon = "date"
    menu_label = "更新延長措置"
    menu_name = "extension_programmes"
    copy_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "name",
        Column(
            "applications_close_on", label="申請締切日", accessor=lambda p: date_display(p.applications_close_on, "-")
        ),
        Column("extension_months", label="延長(月)"),
        Column("active", label="受付中", accessor=lambda p: "はい" if p.active else "いいえ"),
    ]
    search_fields = ["name"]
    search_backend_name = None


class ExtensionIndexView(ReadOnlyIndexView):
    export_name = "extensions"
    title_label = "会員番号"


def extension_buttons(user, application):
    if not extensions.EXTENSION.allowed(application, "approve") or not _can_decide(user):
        return []
    return [
        HeaderButton("承認", url=reverse(f"{EXTENSION_URLS}:approve", args=[application.pk]), icon_name="success", priority=10),
        HeaderButton("差戻し", url=reverse(f"{EXTENSION_URLS}:reject", args=[application.pk]), icon_name="undo", priority=20),
    ]  # fmt: skip


class ExtensionInspectView(ReadOnlyInspectView):
    def header_actions(self):
        return extension_buttons(self.request.user, self.object)

    def get_member_display_value(self):
        return member_link(self.object.member)


class ExtensionActionView(WorkflowActionView):
    model = ExtensionApplication
    header_icon = "tasks"
    transition = "approve"  # of extensions.EXTENSION

    def get_queryset(self):
        return ExtensionApplication.objects.select_related("member", "programme")

    def summary(self):
        application = self.object
        return [
            ("会員", f"{application.member.member_number} {application.member.full_name}"),
            ("更新延長措置", application.programme.name),
            ("申請時の有効期限", date_display(application.expires_on, '-')),
            ("延長後の有効期限", date_display(extensions.extended_expiry(application), '-')),
            ("申請理由", application.reason),
        ]  # fmt: skip

    workflow = extensions.EXTENSION


class ApproveExtensionView(ExtensionActionView):
    form_class = NoteForm
    page_title = "承認"
    submit_label = "承認する"
    explanation = "承認すると、会員の認定有効期限を延長し、会員にメールで知らせます。"

    def perform(self, data):
        return extensions.approve_extension(application_id=self.object.pk, user=self.request.user, note=data["note"])

    def success_message(self, application):
        return f"{application}を承認しました。"


class RejectExtensionView(ExtensionActionView):
    form_class = RequiredNoteForm
    page_title = "差戻し"
    submit_label = "差戻す"
    submit_class = "no"
    transition = "reject"

    def perform(self, data):
        return extensions.reject_extension(application_id=self.object.pk, user=self.request.user, note=data["note"])

    def success_message(self, application):
        return f"{application}を差戻しました。"


class ExtensionApplicationViewSet(ActionOnlyViewSetMixin, SnippetViewSet):
    model = ExtensionApplication
    icon = "date"
    menu_label = "更新延長申請"
    menu_name = "extension_applications"

    index_view_class = ExtensionIndexView
    inspect_view_class = ExtensionInspectView
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name"),
        Column("programme", label="更新延長措置", accessor="programme.name"),
        Column("state", label="状態", accessor="get_state_display", sort_key="state"),
        Column("submitted_at", label="申請日時", accessor=lambda a: datetime_display(a.submitted_at, '-'), sort_key="submitted_at"),
    ]  # fmt: skip
    list_filter = ["state", "programme"]
    search_fields = ["member__member_number", "member__family_name", "member__given_name"]
    search_backend_name = None
    inspect_view_fields = [
        "member",
        "programme",
        "state",
        "reason",
        "expires_on",
        "submitted_at",
        "decided_at",
        "decision_note",
    ]

    def get_queryset(self, request):
        return ExtensionApplication.objects.select_related("member", "programme")

    action_views = {
        "approve": ApproveExtensionView,
        "reject": RejectExtensionView,
    }
