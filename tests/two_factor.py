"""Staff sessions in tests pass the admin's two-factor gate as real staff do: the user has a
confirmed authenticator-app device, and the session records that device as the one that
verified it (what ``django_otp.login`` stores after a correct code)."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def enrolled_device(user):
    """The user's confirmed authenticator-app device, created if missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="認証アプリ", confirmed=True)


def current_code(device):
    """The 6-digit code the device's app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def verify_session(client, user):
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = enrolled_device(user).persistent_id
    session.save()


def log_in_staff(client, user):
    """Log ``user`` in with password and second factor: the admin opens."""
    client.force_login(user)
    verify_session(client, user)
    return client
