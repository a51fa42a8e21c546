"""Leave, return and withdrawal applications (guide 12, 13, 15): the operations.

Members submit and may take back (取下げ) an application while the secretariat has not
decided it; staff approve (承認) or send it back (差戻し) with a note. An approved application
changes the member's status on its ``effective_on`` day: at once when that day has come, else
by ``apply_due_applications`` (the daily ``manage.py apply_membership_applications``).

The decisions are the table ``WORKFLOW`` (``core.workflow``): each locks the row, re-checks its
state, saves it and writes the audit entry with the acting user (the member for 取下げ, staff
for the others, nobody for the daily run's revocation). The status change is logged on the
member (STATUS_APPLIED_ACTION). The member is mailed at each step.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from cms_pages.models import society_settings
from core.errors import DomainError
from core.outbox import queue_mail
from core.workflow import Transition, Workflow

from .billing.dues import unpaid_dues
from .mail import mail_member
from .models import Member, MembershipApplication

Kind = MembershipApplication.Kind
State = MembershipApplication.State

APPROVED_ACTION = "membership.application.approved"
REJECTED_ACTION = "membership.application.rejected"
REVOKED_ACTION = "membership.application.revoked"
CANCELLED_ACTION = "membership.application.cancelled"
STATUS_APPLIED_ACTION = "membership.member.status_from_application"

# The member's page of each kind (guide 12, 13, 15).
KIND_URL_NAMES = {
    Kind.LEAVE: "member:application_leave",
    Kind.RETURN: "member:application_return",
    Kind.WITHDRAWAL: "member:application_withdrawal",
}

# How far ahead a member may ask for a date.
LATEST_AHEAD = datetime.timedelta(days=366)


class ApplicationError(DomainError):
    """An application that cannot be made or decided now; the message is shown as it is."""


# The decisions on an application. Submitting (→ SUBMITTED) is the row's creation, by
# ``submit_application``; an approval takes effect (``applied_at``) in ``_apply``.
WORKFLOW = Workflow(
    MembershipApplication,
    error=ApplicationError,
    related=("member__user",),
    transitions=[
        Transition.withdrawal(sources=[State.SUBMITTED], target=State.CANCELLED, action=CANCELLED_ACTION),
        Transition("approve", sources=[State.SUBMITTED], target=State.APPROVED, action=APPROVED_ACTION),
        Transition("reject", sources=[State.SUBMITTED], target=State.REJECTED, action=REJECTED_ACTION, reason="差戻し"),
        # 承認取消, by staff or by the daily run; only while not applied yet (checked by the services).
        Transition(
            "revoke",
            sources=[State.APPROVED],
            target=State.REVOKED,
            action=REVOKED_ACTION,
            refusal="この申請は{state}のため、承認取消はできません。",
            reason="承認取消",
        ),
    ],
)


def not_eligible_reason(member, kind, pending=None):
    """Why ``member`` cannot submit an application of ``kind`` now, or ''.

    ``pending`` is the member's pending application, if the caller has it already.
    """
    if pending is None:
        pending = pending_application(member)
    if pending is not None:
        if pending.state == State.SUBMITTED:
            where = "下の申請の状況" if pending.kind == kind else f"{pending.get_kind_display()}のページの申請の状況"
            return (
                f"{pending.get_kind_display()}が事務局確認中です。結果はメールでお知らせします。"
                f"申請を取り下げる場合は、{where}の「取下げ」を押してください。"
            )
        return (
            f"承認済みの{pending.get_kind_display()}"
            f"({pending.effective_on_label} {pending.effective_on:%Y年%-m月%-d日})があります。"
            "変更が必要な場合は事務局へお問い合わせください。"
        )
    if member.status in MembershipApplication.SOURCE_STATUSES[kind]:
        return ""
    if kind == Kind.RETURN:
        return "休会中の方のみ申請できます。"
    return f"会員ステータスが{member.get_status_display()}のため申請できません。"


def pending_application(member):
    """The application that will still change this member (submitted, or approved for later)."""
    pending = MembershipApplication.objects.filter(
        member_id=member.pk, state__in=[State.SUBMITTED, State.APPROVED], applied_at=None
    )
    for application in pending:
        return application
    return None


def earliest_effective_on(member, kind, today):
    """The first date a member may ask for.

    A leave may start back to the beginning of the fiscal year (April 1): members often apply
    once the reason (a birth, an illness) has begun. It never reaches back over a period the
    member's current status or membership began in (a return, joining), which would rewrite it.
    """
    earliest = today
    if kind == Kind.LEAVE:
        earliest = datetime.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    for since in (member.status_since, member.joined_on):
        if since is not None and since > earliest:
            earliest = since
    if kind == Kind.WITHDRAWAL:
        earliest = max(earliest, today)
    return earliest


def latest_effective_on(today):
    return today + LATEST_AHEAD


def date_problem(member, kind, effective_on, today):
    """Why ``effective_on`` cannot be asked for, or ''."""
    earliest, latest = earliest_effective_on(member, kind, today), latest_effective_on(today)
    if effective_on < earliest:
        return f"{earliest:%Y年%-m月%-d日}以降の日付を入力してください。"
    if effective_on > latest:
        return f"{latest:%Y年%-m月%-d日}までの日付を入力してください。"
    return ""


@transaction.atomic
def submit_application(*, member, kind, effective_on, reason="", leave_reason="", leave_until=None):
    """Store the member's application and mail a receipt of it; refuses what is not allowed now."""
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    refusal = not_eligible_reason(member, kind) or date_problem(member, kind, effective_on, timezone.localdate())
    if refusal:
        raise ApplicationError(refusal)
    application = MembershipApplication(
        member=member,
        kind=kind,
        effective_on=effective_on,
        reason=reason,
        leave_reason=leave_reason if kind == Kind.LEAVE else "",
        leave_until=leave_until if kind == Kind.LEAVE else None,
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:  # a second tab submitting at the same moment
        raise ApplicationError("事務局確認中の申請があります。") from error
    _mail(application, "membership/mail/application_submitted.txt", "申請を受け付けました")
    _mail_secretariat(application)
    return application


@transaction.atomic
def cancel_application(*, member, application_id):
    """The member takes back (取下げ) an application the secretariat has not decided yet.

    Raises ``MembershipApplication.DoesNotExist`` when it is not the member's own."""
    application = WORKFLOW.lock(application_id, "cancel", member=member)
    return WORKFLOW.move(application, "cancel", user=application.member.user)


@transaction.atomic
def revoke_approval(*, application_id, user, note):
    """承認取消: undo an approval whose day has not come yet; the member keeps the status."""
    application = WORKFLOW.lock(application_id, "revoke", note=note)
    if application.applied_at is not None:
        raise ApplicationError(WORKFLOW.transition("revoke").refusal.format(state="反映済み"))
    _revoke(application, user=user, note=note)
    return application


def _revoke(application, *, user, note):
    WORKFLOW.move(application, "revoke", user=user, note=note)
    _mail(application, "membership/mail/application_decided.txt", "承認した申請の取消について")


@transaction.atomic
def approve_application(*, application_id, user, note="", today=None):
    """承認: the member's status changes on ``effective_on`` (now, if that day has come)."""
    today = today or timezone.localdate()
    application = WORKFLOW.lock(application_id, "approve")
    member = application.member
    if member.status not in MembershipApplication.SOURCE_STATUSES[application.kind]:
        raise ApplicationError(
            f"会員ステータスが{member.get_status_display()}に変わっているため承認できません。差戻しにしてください。"
        )
    WORKFLOW.move(application, "approve", user=user, note=note)
    _mail(application, "membership/mail/application_decided.txt", "申請が承認されました")
    if application.effective_on <= today:
        _apply(application, user=user)
    return application


@transaction.atomic
def reject_application(*, application_id, user, note):
    """差戻し: nothing changes for the member, who is told why and may apply again."""
    application = WORKFLOW.lock(application_id, "reject", note=note)
    WORKFLOW.move(application, "reject", user=user, note=note)
    _mail(application, "membership/mail/application_decided.txt", "申請について事務局からのご連絡")
    return application


def apply_due_applications(*, today=None):
    """Change the status of members whose approved application's day has come; returns how many.

    Idempotent: an applied application is never applied again. Run daily.
    """
    today = today or timezone.localdate()
    due = MembershipApplication.objects.filter(state=State.APPROVED, applied_at=None, effective_on__lte=today)
    applied = 0
    for application_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            # No select_related of the nullable decided_by: PostgreSQL cannot lock the
            # nullable side of an outer join.
            application = (
                MembershipApplication.objects.select_for_update()
                .select_related("member__user")
                .filter(pk=application_id, state=State.APPROVED, applied_at=None)
                .first()
            )
            if application is not None and _apply(application, user=application.decided_by):
                applied += 1
                # Approved earlier for this day: tell the member it has now taken effect.
                _mail(application, "membership/mail/application_applied.txt", "会員ステータスが変わりました")
    return applied


def _apply(application, *, user):
    """Set the member's status from an approved application (in the caller's transaction).

    Returns False, and revokes the approval instead, when the member's status has changed
    since (an approved leave must not turn a withdrawn member back into a member on leave).
    """
    member = Member.objects.select_for_update().get(pk=application.member_id)
    old_status = member.status
    if old_status not in MembershipApplication.SOURCE_STATUSES[application.kind]:
        _revoke(
            application,
            user=None,
            note=(
                f"会員ステータスが{member.get_status_display()}に変わっていたため、"
                f"この申請は反映されませんでした。ご不明な点は事務局へお問い合わせください。"
            ),
        )
        return False
    member.status = application.target_status
    member.status_since = application.effective_on
    member.status_reason = f"{application.get_kind_display()}(承認)"
    member.save(update_fields=["status", "status_since", "status_reason", "updated_at"])
    application.applied_at = timezone.now()
    application.save(update_fields=["applied_at"])
    log(
        instance=member,
        action=STATUS_APPLIED_ACTION,
        user=user,
        data={
            "application": application.pk,
            "kind": application.get_kind_display(),
            "from": Member.Status(old_status).label,
            "to": Member.Status(member.status).label,
            "since": application.effective_on.isoformat(),
        },
    )
    return True


def withdrawal_warnings(member):
    """What a member asking to withdraw should know first (shown above the form)."""
    years = sorted(unpaid_dues(member).values_list("fiscal_year", flat=True))
    if not years:
        return []
    listed = "、".join(f"{year}年度" for year in years)
    return [f"未納の年会費があります({listed})。退会の前に会費支払い明細からお支払いください。"]


def _mail(application, template, subject):
    page_url = f"{settings.SITE_URL}{reverse(KIND_URL_NAMES[application.kind])}"
    mail_member(
        application.member,
        template=template,
        subject=subject,
        context={"application": application, "page_url": page_url},
    )


def _mail_secretariat(application):
    """Tell the secretariat (the society's contact address) that an application waits."""
    society = society_settings()
    if not society.contact_email:
        return
    member = application.member
    path = reverse("wagtailsnippets_membership_membershipapplication:inspect", args=[application.pk])
    body = (
        f"{member.member_number} {member.full_name} 様から{application.get_kind_display()}がありました。\n"
        f"{application.effective_on_label}: {application.effective_on:%Y年%-m月%-d日}\n\n"
        f"管理画面で確認してください: {settings.SITE_URL}{path}\n"
    )
    queue_mail(
        subject=f"【{society.society_name}】{application.get_kind_display()}({member.member_number})",
        body=body,
        to=[society.contact_email],
    )
