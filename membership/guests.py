"""Guest accounts (ゲストユーザー): non-members who sign up to register for seminars open to them.

A guest is an account of kind GUEST with a ``Member`` profile of status GUEST, whose member
number is the guest number (``G0000001``), which is also the login id. The profile is what
the seminar registrations and the money code (invoices, payments, receipts) work on, so a
guest's 参加費 goes through the ordinary payment flow. Pages about membership itself refuse
guests (``members_area(guest_members=False)``).
"""

import datetime
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.outbox import queue_mail

from . import throttle
from .accounts import password_reset_url
from .mail import mail_subject
from .models import Member, User

GUEST_NUMBER_PREFIX = "G"
GUEST_NUMBER_DIGITS = 7
_GUEST_NUMBER = re.compile(rf"^{GUEST_NUMBER_PREFIX}[0-9]{{{GUEST_NUMBER_DIGITS}}}$")
# Attempts at the next number when another sign-up takes it at the same moment.
NUMBER_ATTEMPTS = 20
# The public form's limits (membership/throttle.py): one mail per e-mail address a day,
# IP_LIMIT requests per network address an hour.
THROTTLE_PURPOSE = "guest_sign_up"
EMAIL_WINDOW = datetime.timedelta(days=1)
IP_WINDOW = datetime.timedelta(hours=1)
IP_LIMIT = 10
THROTTLE_LIMITS = (
    throttle.Limit(throttle.EMAIL, 1, EMAIL_WINDOW),
    throttle.Limit(throttle.IP_ADDRESS, IP_LIMIT, IP_WINDOW),
)


class GuestRegistrationError(DomainError):
    """The sign-up cannot be done; the message is shown to the visitor, next to ``field``."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def email_in_use(email):
    return User.objects.filter(email__iexact=(email or "").strip()).exists()


def next_guest_number():
    """The guest number after the highest one given so far (``G0000001`` for the first)."""
    numbers = Member.objects.filter(member_number__regex=_GUEST_NUMBER.pattern).values_list("member_number", flat=True)
    highest = max((int(number[len(GUEST_NUMBER_PREFIX) :]) for number in numbers), default=0)
    return f"{GUEST_NUMBER_PREFIX}{highest + 1:0{GUEST_NUMBER_DIGITS}d}"


def _create_account(*, email, profile):
    """The account and profile under the next free guest number.

    The unique login id and member number are the lock: when a concurrent sign-up took the
    number first, the savepoint rolls back and the next number is tried.
    """
    for _ in range(NUMBER_ATTEMPTS):
        number = next_guest_number()
        try:
            with transaction.atomic():
                user = User(username=number, email=email, kind=User.Kind.GUEST)
                user.set_unusable_password()
                user.save()
                member = Member.objects.create(user=user, member_number=number, **profile)
        except IntegrityError:
            continue
        return member
    raise GuestRegistrationError("ただいま混み合っています。しばらくしてからもう一度お試しください。")


def _throttled(email, ip_address):
    """True when this address had a sign-up mail in the last day (then nothing is sent again,
    and the page answers as usual); refuses a network address sending many requests."""
    keys = {throttle.EMAIL: email, throttle.IP_ADDRESS: ip_address}
    over = throttle.over_limits(purpose=THROTTLE_PURPOSE, keys=keys, limits=THROTTLE_LIMITS)
    if throttle.IP_ADDRESS in over:
        raise GuestRegistrationError("短時間に多くのお申し込みがありました。しばらくしてからもう一度お試しください。")
    throttle.record(purpose=THROTTLE_PURPOSE, keys=keys)
    return throttle.EMAIL in over


@transaction.atomic
def register_guest(
    *,
    family_name,
    given_name,
    family_name_kana,
    given_name_kana,
    email,
    phone,
    workplace_name,
    workplace_prefecture,
    ip_address=None,
):
    """ゲスト登録: the account (no usable password yet), its profile, and one mail with the
    guest number and a single-use link to set the password. Returns the Member, or None when
    the address belongs to an account already (that account's owner is mailed instead) or had
    a sign-up mail within the last day (nothing is sent: the form must not mail-bomb anyone)."""
    email = (email or "").strip()
    if _throttled(email, ip_address):
        return None
    if email_in_use(email):
        # The page answers as for a new sign-up, so that it does not tell who is registered;
        # the address's owner is told by mail how to log in instead.
        queue_mail(subject=mail_subject("ゲスト登録のお申し込みについて"),
            body=render_to_string(
                "membership/mail/guest_already_registered.txt",
                {"login_url": f"{settings.SITE_URL}{reverse('member:login')}",
                 "reset_url": f"{settings.SITE_URL}{reverse('member:password_reset')}"},
            ),
            to=[email],
        )  # fmt: skip
        return None
    member = _create_account(
        email=email,
        profile={
            "family_name": family_name,
            "given_name": given_name,
            "family_name_kana": family_name_kana,
            "given_name_kana": given_name_kana,
            "phone": phone,
            "workplace_name": workplace_name,
            "workplace_prefecture": workplace_prefecture,
            "mailing_address": Member.MailingAddress.WORKPLACE,
            "status": Member.Status.GUEST,
            "status_since": timezone.localdate(),
            "status_reason": "ゲスト登録",
        },
    )
    user = member.user
    body = render_to_string(
        "membership/mail/guest_registered.txt",
        {
            "member": member,
            "reset_url": password_reset_url(user),
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )
    queue_mail(
        subject=mail_subject("ゲスト登録のご案内(ゲストユーザー番号とパスワード設定)"),
        body=body,
        to=[email],
    )
    return member
