"""Renewal extensions (更新延長, guide 14).

The secretariat declares an ``ExtensionProgramme`` after a disaster; a member it covers
applies; approving (承認) moves the certification's expiry on by the programme's months,
差戻し tells the member why not. Not while a renewal is in progress: the renewal was made for
the expiry an extension would move.

The decisions are the transitions of ``EXTENSION`` (``core.workflow``): locked, re-checked,
saved and logged with who and when on the application; the expiry change is logged on the
member (``renewals.change_expiry``).
"""

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from core.dates import add_months
from core.workflow import Transition, Workflow
from membership.models import Member

from .models import ExtensionApplication, ExtensionProgramme
from .renewals import OPEN_STATES, RenewalError, change_expiry, mail_applicant

State = ExtensionApplication.State

EXTENSION_APPROVED_ACTION = "renewal.extension.approved"
EXTENSION_REJECTED_ACTION = "renewal.extension.rejected"

# A decision on an application no longer 事務局確認中 is refused with 「この申請はすでに<state>です。」.
EXTENSION = Workflow(
    ExtensionApplication,
    error=RenewalError,
    related=("member__user", "programme"),
    transitions=[
        Transition("approve", sources=[State.SUBMITTED], target=State.APPROVED, action=EXTENSION_APPROVED_ACTION),
        Transition(
            "reject",
            sources=[State.SUBMITTED],
            target=State.REJECTED,
            action=EXTENSION_REJECTED_ACTION,
            reason="差戻し",
        ),
    ],
)


def extension_programmes_for(member, *, today=None):
    """The active programmes covering ``member`` now (empty for almost everyone)."""
    today = today or timezone.localdate()
    programmes = ExtensionProgramme.objects.filter(active=True, applications_close_on__gte=today)
    return [programme for programme in programmes if programme.covers(member, today)]


# The members-area menu shows 更新延長申請 to the members an open programme covers, on every page.
# It reads the open programmes (almost always none) from the cache, kept this long: a programme
# saved or deleted clears this process's copy at once, and the other server processes' within it.
MENU_PROGRAMMES_SECONDS = 60


def _menu_cache_key(today):
    return f"renewal.extensions.open:{today.isoformat()}"


def menu_programmes_for(member, *, today=None):
    """``extension_programmes_for`` for the menu: no query on most pages (see above)."""
    today = today or timezone.localdate()
    key = _menu_cache_key(today)
    programmes = cache.get(key)
    if programmes is None:
        programmes = list(ExtensionProgramme.objects.filter(active=True, applications_close_on__gte=today))
        cache.set(key, programmes, MENU_PROGRAMMES_SECONDS)
    return [programme for programme in programmes if programme.covers(member, today)]


@receiver([post_save, post_delete], sender=ExtensionProgramme)
def _forget_menu_programmes(**kwargs):
    cache.delete(_menu_cache_key(timezone.localdate()))


def extended_expiry(application):
    """The expiry ``application`` gives once approved."""
    return add_months(application.expires_on, application.programme.extension_months)


@transaction.atomic
def submit_extension(*, member, programme_id, reason, today=None):
    today = today or timezone.localdate()
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    programme = ExtensionProgramme.objects.filter(pk=programme_id).first()
    if programme is None or not programme.covers(member, today):
        raise RenewalError("この更新延長措置の対象ではないか、申請期間を過ぎています。")
    _refuse_during_a_renewal(member)
    if not reason.strip():
        raise RenewalError("申請理由を入力してください。")
    try:
        with transaction.atomic():
            application = ExtensionApplication.objects.create(
                programme=programme, member=member, reason=reason, expires_on=member.certification_expires_on
            )
    except IntegrityError as error:
        raise RenewalError("この更新延長措置にはすでに申請しています。") from error
    mail_applicant(application, "renewal/mail/extension_submitted.txt", "更新延長申請を受け付けました")
    return application


def _refuse_during_a_renewal(member):
    """An extension moves the expiry a renewal in progress was made for: not both at once."""
    if member.renewal_applications.filter(state__in=OPEN_STATES).exists():
        raise RenewalError("資格更新申請の手続き中のため、更新延長はできません。事務局へお問い合わせください。")


@transaction.atomic
def approve_extension(*, application_id, user, note=""):
    """承認: the certification's expiry moves on by the programme's months."""
    application = EXTENSION.lock(application_id, "approve")
    member = Member.objects.select_for_update().get(pk=application.member_id)
    _refuse_during_a_renewal(member)
    if member.certification_expires_on != application.expires_on:
        raise RenewalError("申請後に有効期限が変更されています。会員の認定情報を確認してください。")
    change_expiry(member, extended_expiry(application), user=user, reason=f"更新延長({application.programme.name})")
    EXTENSION.move(application, "approve", user=user, note=note)
    application.member = member  # the mail states the new expiry
    mail_applicant(application, "renewal/mail/extension_decided.txt", "更新延長申請を承認しました")
    return application


@transaction.atomic
def reject_extension(*, application_id, user, note):
    application = EXTENSION.lock(application_id, "reject", note=note)
    EXTENSION.move(application, "reject", user=user, note=note)
    mail_applicant(application, "renewal/mail/extension_decided.txt", "更新延長申請について事務局からのご連絡")
    return application
