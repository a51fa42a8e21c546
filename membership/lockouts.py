"""Login lockouts (OWASP ASVS 2.2.1): django-axes counts failed logins per account *and* network
address (``AXES_LOCKOUT_PARAMETERS`` in settings), so a stranger's wrong passwords lock only the
stranger's address out of that account, never the owner's; failures while locked are not
counted (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``), so the lock ends
``AXES_COOLOFF_TIME`` after the fifth failure.

An account attacked from many addresses is slowed down, not locked: once it has
``LOGIN_SLOWDOWN_AFTER`` failures within the cool-off time, from any addresses, each further
attempt must wait ``LOGIN_SLOWDOWN_SECONDS`` after the last failure (at most one guess a
minute, however many addresses), except from an address the account has logged in from
before. A completed password reset and the secretariat's unlock (管理画面 › ログインロック) clear
the account's records.

The handler (``AXES_HANDLER``) is django-axes' database handler with the slow-down added.
"""

import datetime
import logging
import math
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.dispatch import receiver
from django.utils import timezone
from wagtail.log_actions import log

from core.errors import DomainError

from . import throttle
from .models import User

logger = logging.getLogger(__name__)

UNLOCK_ACTION = "membership.lockout_cleared"
# The attempts let through while an account is slowed down (membership/throttle.py).
SLOT_PURPOSE = "login_slot"
# An address the account logged in from within this time is not slowed down.
KNOWN_ADDRESS_AGE = datetime.timedelta(days=90)


class LockoutError(DomainError):
    pass


def _window_start(now):
    return now - settings.AXES_COOLOFF_TIME


def claim_login_slot(*, username, ip_address, now=None):
    """Seconds this login attempt must wait because the account is being attacked from many
    addresses; 0 lets it go ahead. When the account is slowed down, going ahead claims the
    account's next slot: under the lock of the account's failure records, so two attempts
    arriving together (from two addresses) cannot both take it."""
    if not username:
        return 0
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            AccessAttempt.objects.select_for_update()
            .filter(username=username, attempt_time__gte=_window_start(now))
            .order_by("pk")
            .values_list("failures_since_start", "attempt_time")
        )
        if sum(failures for failures, _ in rows) < settings.LOGIN_SLOWDOWN_AFTER:
            return 0
        if (
            ip_address
            and AccessLog.objects.filter(
                username=username, ip_address=ip_address, attempt_time__gte=now - KNOWN_ADDRESS_AGE
            ).exists()
        ):
            return 0
        last_claim = throttle.last_hit(purpose=SLOT_PURPOSE, kind=throttle.LOGIN_ID, value=username)
        last = max([attempt_time for _, attempt_time in rows] + ([last_claim] if last_claim else []))
        wait = settings.LOGIN_SLOWDOWN_SECONDS - (now - last).total_seconds()
        if wait > 0:
            return math.ceil(wait)
        throttle.record(purpose=SLOT_PURPOSE, keys={throttle.LOGIN_ID: username})
        return 0


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus the per-account slow-down. A refused attempt is not
    checked and not counted (``request.login_wait_seconds`` tells the lockout page why)."""

    def is_locked(self, request, credentials=None):
        if super().is_locked(request, credentials):
            return True
        username = get_client_username(request, credentials)
        wait = claim_login_slot(username=username, ip_address=request.axes_ip_address)
        if wait:
            request.login_wait_seconds = wait
            logger.warning(
                "Login to %s from %s slowed down: many failures from several addresses; wait %d s.",
                username,
                request.axes_ip_address,
                wait,
            )
            return True
        return False


@receiver(user_locked_out)
def log_lockout(sender, request, username, ip_address, **kwargs):
    if getattr(request, "login_wait_seconds", None):
        return  # logged by the handler
    logger.warning("Login to %s locked for address %s after repeated failures.", username, ip_address)


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str  # "" for a slowed-down account (every address)
    failures: int
    last_failure: datetime.datetime
    until: datetime.datetime
    slowed_down: bool = False


def current_lockouts(now=None):
    """Accounts locked for an address (per account and address), then accounts slowed down
    (per account), newest failure first. ``username`` may name no account (a guessed id)."""
    now = now or timezone.now()
    recent = AccessAttempt.objects.filter(attempt_time__gte=_window_start(now))
    locked = [
        Lockout(
            username=row["username"],
            ip_address=row["ip_address"],
            failures=row["failures"],
            last_failure=row["last"],
            until=row["last"] + settings.AXES_COOLOFF_TIME,
        )
        for row in recent.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    ]
    slowed = [
        Lockout(
            username=row["username"],
            ip_address="",
            failures=row["failures"],
            last_failure=row["last"],
            until=row["last"] + settings.AXES_COOLOFF_TIME,
            slowed_down=True,
        )
        for row in recent.values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.LOGIN_SLOWDOWN_AFTER)
    ]
    return sorted(locked, key=lambda lock: lock.last_failure, reverse=True) + sorted(
        slowed, key=lambda lock: lock.last_failure, reverse=True
    )


def clear_lockouts(*, username):
    """Forget the failed logins of ``username`` from every address (lifts its locks and its
    slow-down). Returns the number of records removed. The caller writes the audit entry."""
    count, _ = AccessAttempt.objects.filter(username=username).delete()
    throttle.forget(purpose=SLOT_PURPOSE, kind=throttle.LOGIN_ID, value=username)
    return count


@transaction.atomic
def unlock_account(*, username, user):
    """The secretariat's unlock: the account's failed logins are forgotten, with an entry naming
    the staff user in the member's history (履歴; a staff account's own entry; for a guessed id
    with no account, its first failure record's)."""
    attempts = list(AccessAttempt.objects.select_for_update().filter(username=username).order_by("pk"))
    if not attempts:
        raise LockoutError("このログインIDのロックはすでに解除されています。")
    addresses = sorted({attempt.ip_address or "" for attempt in attempts})
    data = {"username": username, "ip_addresses": addresses, "failures": sum(a.failures_since_start for a in attempts)}
    account = User.objects.filter(username=username).select_related("member").first()
    target = (account.member_profile or account) if account else attempts[0]
    log(instance=target, action=UNLOCK_ACTION, user=user, data=data)
    clear_lockouts(username=username)
    logger.warning("Lockouts of %s (addresses %s) cleared by %s.", username, ", ".join(addresses), user)
    return len(attempts)
