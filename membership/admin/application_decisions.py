"""The staff's decisions on an application (承認, 差戻し, 承認取消): small confirm forms on
the application's inspect page, each calling one service of ``membership.applications``
(which locks the row, re-checks its state and logs the decision with the acting user)."""

from django.utils import timezone

from core.admin_kit import (
    NoteForm,
    RequiredNoteForm,
    WorkflowActionView,
    date_display,
    datetime_display,
)

from .. import applications
from ..models import MembershipApplication


def application_summary(application):
    member = application.member
    rows = [
        ("会員", f"{member.member_number} {member.full_name}(現在: {member.get_status_display()})"),
        ("申請", f"{application.get_kind_display()}({datetime_display(application.submitted_at, '-')} 申請)"),
        (application.effective_on_label, date_display(application.effective_on, "-")),
    ]
    if application.leave_until:
        rows.append(("休会終了予定日", date_display(application.leave_until, "-")))
    if application.leave_reason:
        rows.append(("休会理由", application.get_leave_reason_display()))
    rows.append(("理由・連絡事項", application.reason or "-"))
    return rows


class ApplicationDecisionView(WorkflowActionView):
    model = MembershipApplication
    header_icon = "form"
    refusals = (applications.ApplicationError,)
    transition = None  # the name in applications.WORKFLOW

    def get_queryset(self):
        return MembershipApplication.objects.select_related("member")

    def summary(self):
        return application_summary(self.object)

    workflow = applications.WORKFLOW


class ApproveApplicationView(ApplicationDecisionView):
    form_class = NoteForm
    page_title = "承認"
    submit_label = "承認する"
    transition = "approve"

    @property
    def explanation(self):
        application = self.object
        today = timezone.localdate()
        when = (
            "今日のうちに"
            if application.effective_on <= today
            else f"{application.effective_on:%Y年%-m月%-d日}に(毎日の自動処理で)"
        )
        return (
            f"承認すると、会員ステータスが{when}「{application.target_status.label}」に変わり、"
            "会員に承認のメールが送られます。"
        )

    def warnings(self):
        if self.object.kind != MembershipApplication.Kind.WITHDRAWAL:
            return []
        return applications.withdrawal_warnings(self.object.member)

    def perform(self, data):
        return applications.approve_application(
            application_id=self.object.pk, user=self.request.user, note=data["note"]
        )

    def success_message(self, application):
        return f"{application}を承認しました。"


class RejectApplicationView(ApplicationDecisionView):
    form_class = RequiredNoteForm
    page_title = "差戻し"
    submit_label = "差戻す"
    submit_class = "no"
    transition = "reject"
    explanation = (
        "差戻すと会員ステータスは変わらず、会員に理由を記したメールが送られます。会員はあらためて申請できます。"
    )

    def perform(self, data):
        return applications.reject_application(application_id=self.object.pk, user=self.request.user, note=data["note"])

    def success_message(self, application):
        return f"{application}を差戻しました。"


class RevokeReasonForm(RequiredNoteForm):
    note_label = "承認取消の理由"


class RevokeApprovalView(ApplicationDecisionView):
    form_class = RevokeReasonForm
    page_title = "承認取消"
    submit_label = "承認を取り消す"
    submit_class = "no"
    transition = "revoke"
    explanation = (
        "承認を取り消すと、希望日になっても会員ステータスは変わりません。会員に理由を記したメールが送られます。"
    )

    def blocked_reason(self):
        application = self.object
        if not applications.WORKFLOW.allowed(application, "revoke") or application.applied_at is not None:
            state = "反映済み" if application.applied_at else application.get_state_display()
            return f"この申請は{state}のため、承認取消はできません。"
        return ""

    def perform(self, data):
        return applications.revoke_approval(application_id=self.object.pk, user=self.request.user, note=data["note"])

    def success_message(self, application):
        return f"{application}の承認を取り消しました。"
