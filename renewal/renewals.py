"""Renewal of the certification (資格更新, guide 7).

A member whose certification expires within the application window
(``RenewalSettings.application_window_months``), with no unpaid dues and enough points in the
current cycle, applies (事務局確認中). The secretariat approves (申請確認完了: the renewal fee is
billed through the one invoice mechanism and the member mailed) or sends it back (差戻し).
Once the fee is paid the card is being issued (会員証発行処理中); the secretariat then issues
it (会員証発行済): the certification's expiry moves on one cycle, and the digital member card
shows the new date. The member may take back (取下げ) an application not decided yet.

The decisions are the transitions of ``RENEWAL`` (``core.workflow``): the row is locked, its
state re-checked, saved, and the decision logged with who and when (Wagtail ``log``) on the
application; the expiry change is logged on the member (``change_expiry``, shared with the
extensions of ``renewal.extensions``).
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from core.dates import add_months, current_fiscal_year
from core.errors import DomainError
from core.workflow import Transition, Workflow
from membership.billing.dues import unpaid_dues
from membership.billing.errors import BillingError
from membership.billing.invoices import close_invoice, create_invoice
from membership.mail import mail_member
from membership.models import Invoice, Member

from . import credits
from .models import RenewalApplication, RenewalSettings

State = RenewalApplication.State

RENEWAL_APPROVED_ACTION = "renewal.renewal.approved"
RENEWAL_REJECTED_ACTION = "renewal.renewal.rejected"
RENEWAL_CANCELLED_ACTION = "renewal.renewal.cancelled"
CARD_ISSUED_ACTION = "renewal.renewal.card_issued"
EXPIRY_CHANGED_ACTION = "renewal.member.expiry_changed"

OPEN_STATES = (State.SUBMITTED, State.APPROVED)


class RenewalError(DomainError):
    """An application or decision that cannot be made now; the message is shown as it is."""


# A decision on an application in another state is refused with 「この申請は<state>です。」.
DECIDED = "この申請は{state}です。"

RENEWAL = Workflow(
    RenewalApplication,
    error=RenewalError,
    related=("member__user",),
    transitions=[
        Transition.withdrawal(sources=[State.SUBMITTED], target=State.CANCELLED, action=RENEWAL_CANCELLED_ACTION),
        Transition(
            "approve", sources=[State.SUBMITTED], target=State.APPROVED, action=RENEWAL_APPROVED_ACTION, refusal=DECIDED
        ),
        Transition(
            "reject",
            sources=OPEN_STATES,
            target=State.REJECTED,
            action=RENEWAL_REJECTED_ACTION,
            refusal=DECIDED,
            reason="差戻し",
        ),
        Transition(
            "issue_card",
            sources=[State.APPROVED],
            target=State.ISSUED,
            action=CARD_ISSUED_ACTION,
            refusal=DECIDED,
            decides=False,
            log_note=False,
        ),
    ],
)


def current_application(member):
    """The member's renewal application to show, as a queryset of at most one: one in progress
    whatever the expiry has become meanwhile, or the one issued for the current expiry."""
    return member.renewal_applications.filter(
        Q(state__in=OPEN_STATES) | Q(state=State.ISSUED, expires_on=member.certification_expires_on)
    ).order_by("-submitted_at")[:1]


@dataclass
class RenewalStatus:
    """Where a member stands for the next renewal, as the 資格更新確認 page shows it."""

    expires_on: datetime.date | None
    window_opens_on: datetime.date | None
    application: RenewalApplication | None
    evaluation: object = None
    unpaid_dues_years: list = field(default_factory=list)
    reasons: list = field(default_factory=list)  # why the member cannot apply now

    @property
    def can_apply(self):
        return self.application is None and not self.reasons


def renewal_status(member, *, today=None):
    """The member's current renewal application (if any) and, without one, whether they may apply."""
    today = today or timezone.localdate()
    rules = RenewalSettings.load()
    expires_on = member.certification_expires_on
    # An application in progress is shown whatever the expiry has become meanwhile; an issued
    # one only for the expiry it renewed (then the next cycle has not begun to matter yet).
    application = current_application(member).select_related("invoice").first()
    status = RenewalStatus(
        expires_on=expires_on,
        window_opens_on=add_months(expires_on, -rules.application_window_months) if expires_on else None,
        application=application,
    )
    if application is not None:
        return status  # already applied: the page shows the application instead
    if expires_on is None:
        status.reasons.append("技師認定の情報が登録されていません。事務局へお問い合わせください。")
        return status
    if member.status != Member.Status.ACTIVE:
        status.reasons.append(f"会員ステータスが{member.get_status_display()}のため申請できません。")
    if today < status.window_opens_on:
        status.reasons.append(f"資格更新申請は{status.window_opens_on:%Y年%-m月%-d日}から受け付けます。")
    if today > expires_on:
        status.reasons.append("有効期限を過ぎているため、この画面からは申請できません。事務局へお問い合わせください。")
    status.unpaid_dues_years = sorted(unpaid_dues(member).values_list("fiscal_year", flat=True))
    if status.unpaid_dues_years:
        listed = "、".join(f"{year}年度" for year in status.unpaid_dues_years)
        status.reasons.append(f"未納の年会費があります({listed})。先に年会費を完納してください。")
    status.evaluation = credits.evaluate(member, today=today)
    if not status.evaluation.eligible:
        status.reasons.append(
            f"更新に必要な点数が不足しています(総得点 {status.evaluation.total} / {status.evaluation.required}点)。"
        )
    return status


@transaction.atomic
def submit_renewal(*, member, today=None):
    """資格更新申請: refused with the reasons ``renewal_status`` gives."""
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    status = renewal_status(member, today=today)
    if status.application is not None:
        raise RenewalError("この更新期限の資格更新申請はすでにあります。")
    if status.reasons:
        raise RenewalError(status.reasons[0])
    rules = RenewalSettings.load()
    try:
        with transaction.atomic():
            application = RenewalApplication.objects.create(
                member=member,
                expires_on=member.certification_expires_on,
                new_expires_on=add_months(member.certification_expires_on, 12 * rules.cycle_years),
                points_at_application=status.evaluation.total,
            )
    except IntegrityError as error:  # a second tab at the same moment
        raise RenewalError("この更新期限の資格更新申請はすでにあります。") from error
    mail_applicant(application, "renewal/mail/renewal_submitted.txt", "資格更新申請を受け付けました")
    return application


@transaction.atomic
def cancel_renewal(*, member, application_id):
    """The member takes back an application the secretariat has not decided yet."""
    application = RENEWAL.lock(application_id, "cancel", member=member)
    return RENEWAL.move(application, "cancel", user=application.member.user)


def _check_member(member, application, status_refusal):
    if member.certification_expires_on != application.expires_on:
        raise RenewalError("申請後に有効期限が変更されています。会員の認定情報を確認のうえ、差戻しにしてください。")
    if member.status != Member.Status.ACTIVE:
        raise RenewalError(status_refusal.format(status=member.get_status_display()))


@transaction.atomic
def approve_renewal(*, application_id, user, note=""):
    """申請確認完了: bill the renewal fee (the one invoice mechanism) and tell the member to pay."""
    application = RENEWAL.lock(application_id, "approve")
    member = Member.objects.select_for_update().get(pk=application.member_id)
    _check_member(
        member, application, "会員ステータスが{status}に変わっているため承認できません。差戻しにしてください。"
    )
    rules = RenewalSettings.load()
    application.invoice = create_invoice(
        member=application.member,
        category=Invoice.Category.RENEWAL_FEE,
        fiscal_year=current_fiscal_year(),
        subject=f"renewal:{application.pk}",
        amount=rules.renewal_fee,
        purpose="消化器内視鏡技師 資格更新料として",
    )
    RENEWAL.move(application, "approve", user=user, note=note, fields=["invoice"])
    mail_applicant(application, "renewal/mail/renewal_decided.txt", "資格更新申請の確認が完了しました")
    return application


def fee_paid(application):
    invoice = application.invoice
    return invoice is not None and invoice.status in (Invoice.Status.PAID, Invoice.Status.EXEMPT)


@transaction.atomic
def reject_renewal(*, application_id, user, note):
    """差戻し: the member is told why and may apply again.

    Also the way out of an approved application whose fee is not paid (the expiry or the
    member's status changed, or the fee invoice was cancelled): its unpaid invoice is
    cancelled with it. Once the fee is paid, only the card can follow.
    """
    application = RENEWAL.lock(application_id, "reject", note=note)
    invoice = application.invoice
    if application.state == State.APPROVED:
        if fee_paid(application):
            raise RenewalError("更新料の入金(免除)が済んでいるため差戻しできません。会員証を発行してください。")
        if invoice is not None and invoice.status == Invoice.Status.UNPAID:
            try:
                close_invoice(
                    invoice_id=invoice.pk, status=Invoice.Status.CANCELLED, reason=f"資格更新申請の差戻し: {note}"[:200]
                )
            except BillingError as error:  # e.g. a convenience-store payment is under way
                raise RenewalError(str(error)) from error
    RENEWAL.move(application, "reject", user=user, note=note)
    mail_applicant(application, "renewal/mail/renewal_decided.txt", "資格更新申請について事務局からのご連絡")
    return application


@transaction.atomic
def issue_card(*, application_id, user):
    """会員証発行済: once the fee is paid (or exempted), the certification's expiry moves on."""
    application = RENEWAL.lock(application_id, "issue_card")
    if not fee_paid(application):
        raise RenewalError("更新料の入金が確認できていないため、会員証を発行できません。")
    member = Member.objects.select_for_update().get(pk=application.member_id)
    _check_member(member, application, "会員ステータスが{status}のため、会員証を発行できません。")
    change_expiry(member, application.new_expires_on, user=user, reason="資格更新(会員証発行)")
    application.issued_at = timezone.now()
    RENEWAL.move(
        application,
        "issue_card",
        user=user,
        fields=["issued_at"],
        data={"expires_on": str(member.certification_expires_on)},
    )
    mail_applicant(application, "renewal/mail/renewal_issued.txt", "会員証を発行しました")
    return application


def change_expiry(member, new_expires_on, *, user, reason):
    """Move the member's certification expiry (the caller holds the member's row), logged on the member."""
    old = member.certification_expires_on
    member.certification_expires_on = new_expires_on
    member.save(update_fields=["certification_expires_on", "updated_at"])
    log(
        instance=member,
        action=EXPIRY_CHANGED_ACTION,
        user=user,
        data={"from": old.isoformat() if old else "", "to": new_expires_on.isoformat(), "reason": reason},
    )


def mail_applicant(application, template, subject):
    """Queue the mail about ``application`` (a renewal or an extension) to its member."""
    renewal_url = f"{settings.SITE_URL}{reverse('renewal:renewal')}"
    mail_member(
        application.member,
        template=template,
        subject=subject,
        context={"application": application, "renewal_url": renewal_url},
    )
