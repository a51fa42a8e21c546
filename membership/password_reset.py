"""パスワード再設定 (guide 11): asking for the link, and setting the password through it.

The form answers the same page whether or not the member number and the e-mail address belong
together (the printed guide's 会員情報が見つかりません would tell a stranger which pairs are
registered); the link is mailed only where they do. Requests are throttled per member number,
per e-mail address and per network address (``membership/throttle.py``, as guest sign-up): a
number or address typed again and again gets no further mail (the page is the same), a network
address sending many requests is refused with a message.
"""

import datetime
import logging

from django.db import transaction
from wagtail.log_actions import log

from core.errors import DomainError

from . import throttle
from .accounts import change_password, normalize_login_id, render_password_reset_mail, send_password_reset_mail
from .lockouts import clear_lockouts
from .models import User

logger = logging.getLogger(__name__)

PASSWORD_RESET_ACTION = "membership.password_reset"

THROTTLE_PURPOSE = "password_reset"
# Per number and per address: a few mails an hour (a lost mail can be asked for again); per
# network address: IP_LIMIT requests an hour, then a message.
KEY_LIMIT = 3
KEY_WINDOW = datetime.timedelta(hours=1)
IP_LIMIT = 10
IP_WINDOW = datetime.timedelta(hours=1)
THROTTLE_LIMITS = (
    throttle.Limit(throttle.LOGIN_ID, KEY_LIMIT, KEY_WINDOW),
    throttle.Limit(throttle.EMAIL, KEY_LIMIT, KEY_WINDOW),
    throttle.Limit(throttle.IP_ADDRESS, IP_LIMIT, IP_WINDOW),
)


class PasswordResetRefused(DomainError):
    """Too many requests from one network address; the message is shown on the form."""


@transaction.atomic
def request_password_reset(*, login_id, email, ip_address=None):
    """Mail the reset link when ``login_id`` and ``email`` belong to one active account, unless
    the number or the address was asked for too often. Returns nothing either way: the caller
    answers the same page. The mail's text is rendered whether or not it is sent, so the answer
    takes about as long either way."""
    login_id = normalize_login_id(login_id)
    email = (email or "").strip()
    keys = {throttle.LOGIN_ID: login_id, throttle.EMAIL: email, throttle.IP_ADDRESS: ip_address}
    over = throttle.over_limits(purpose=THROTTLE_PURPOSE, keys=keys, limits=THROTTLE_LIMITS)
    if throttle.IP_ADDRESS in over:
        logger.warning("Password reset refused: too many requests from %s.", ip_address)
        raise PasswordResetRefused("短時間に多くのお申し込みがありました。しばらくしてからもう一度お試しください。")
    throttle.record(purpose=THROTTLE_PURPOSE, keys=keys)
    user = User.objects.filter(username=login_id, email__iexact=email, is_active=True).first() if email else None
    if user is None:
        render_password_reset_mail(user=User(username=login_id, email=email))  # the same work, not sent
        logger.info("Password reset asked for a number and address that do not match (from %s).", ip_address)
        return
    if over:
        render_password_reset_mail(user=user)
        logger.warning("Password reset mail for %s not sent: asked for too often (%s).", user.username, sorted(over))
        return
    send_password_reset_mail(user=user)
    logger.info("Password reset mail queued for %s (from %s).", user.username, ip_address)


@transaction.atomic
def complete_password_reset(*, user, new_password):
    """The new password through the mailed link: stored, the account's login lockouts lifted
    (the owner proved they hold the registered address), and an entry in the member's history."""
    change_password(user=user, new_password=new_password)
    cleared = clear_lockouts(username=user.username)
    log(
        instance=user.member_profile or user,
        action=PASSWORD_RESET_ACTION,
        user=user,
        data={"lockouts_cleared": cleared},
    )
    logger.info("Password reset completed for %s; %d lockout record(s) cleared.", user.username, cleared)
