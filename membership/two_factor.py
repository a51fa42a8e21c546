"""Two-factor login for staff (admin, 事務局, 編集者): an authenticator app (TOTP) enrolled at
the first login, one-time recovery codes, and the secretariat's reset of a colleague's device.

Built on django-otp: a ``TOTPDevice`` (unconfirmed until the first code from the app matches)
and a ``StaticDevice`` holding the recovery codes, each deleted once used. Members of the
members area are not asked for a second factor; ``needs_two_factor`` says who is.
"""

import re
from base64 import b32encode

import segno
from django.db import transaction
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.log_actions import log

from core.errors import DomainError

ENROL_ACTION = "membership.two_factor_enrol"
RESET_ACTION = "membership.two_factor_reset"
RECOVERY_CODES_ACTION = "membership.two_factor_recovery_codes"

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "認証アプリ"
RECOVERY_DEVICE_NAME = "リカバリーコード"


class TwoFactorError(DomainError):
    pass


def needs_two_factor(user):
    """Staff who can open the Wagtail admin log in with a second factor; members do not."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or user.kind == user.Kind.STAFF


def is_enrolled(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(*, user):
    """The authenticator-app device being enrolled (created on the first visit, unconfirmed, so
    that the QR code stays the same until a code from the app confirms it)."""
    if is_enrolled(user):
        raise TwoFactorError("認証アプリはすでに登録されています。")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def secret_text(device):
    """The device's key in base32 (what an authenticator app asks for when typed in), in groups of 4."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device):
    """The otpauth:// URL of ``device`` as an inline SVG QR code for the authenticator app."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, svgclass="two-factor-qr-code", title="認証アプリ登録用QRコード"
    )
    return mark_safe(svg)  # segno's markup: paths and the fixed title above, nothing from the user


def _normalize(token):
    return re.sub(r"[\s-]", "", (token or "")).lower()


def _new_recovery_codes(user):
    """Replace the user's recovery codes with fresh ones; returns them (shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def confirm_enrolment(*, user, token):
    """The first code from the app confirms the device. Returns (device, recovery codes)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise TwoFactorError("登録中の認証アプリがありません。最初からやり直してください。")
    if not device.verify_token(_normalize(token)):
        raise TwoFactorError("確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください。")
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    log(instance=user, action=ENROL_ACTION, user=user)
    return device, codes


def verify(*, user, token):
    """The device that accepts ``token`` (a 6-digit code from the app, or an unused recovery
    code, which is then spent), or ``TwoFactorError``."""
    token = _normalize(token)
    if not token:
        raise TwoFactorError("確認コードを入力してください。")
    with transaction.atomic():
        if token.isdigit():
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices:
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                raise TwoFactorError(
                    "確認コードの誤りが続いたため、しばらく入力できません。少し待ってからもう一度お試しください。"
                )
            if device.verify_token(token):
                return device
    raise TwoFactorError("確認コードが正しくありません。")


def remaining_recovery_codes(user):
    return StaticToken.objects.filter(device__user=user).count()


@transaction.atomic
def renew_recovery_codes(*, user):
    """New recovery codes for the logged-in staff member (the old ones stop working)."""
    codes = _new_recovery_codes(user)
    log(instance=user, action=RECOVERY_CODES_ACTION, user=user)
    return codes


@transaction.atomic
def reset_two_factor(*, target, user):
    """A colleague's reset: the target's app and recovery codes are removed; their next admin
    request (also in an open session) asks them to enrol again."""
    if not needs_two_factor(target):
        raise TwoFactorError("管理画面を使うアカウントではありません。")
    removed = TOTPDevice.objects.filter(user=target).delete()[0] + StaticDevice.objects.filter(user=target).delete()[0]
    if not removed:
        raise TwoFactorError(f"{target.username}さんは2段階認証をまだ登録していません。")
    log(instance=target, action=RESET_ACTION, user=user, data={"username": target.username})
    return target
