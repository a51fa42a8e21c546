"""Accounts: the login id handling shared by the login form, the account manager and
django-axes, and the password operations (change, the reset link and its mail).

Imported by the models (``normalize_login_id``): nothing here imports ``.models``.
"""

import re
import unicodedata

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.outbox import queue_mail

from .mail import mail_subject

# Guest numbers (``G0000001``): the letter is upper-case however it is typed.
GUEST_LOGIN_ID = re.compile(r"[gG][0-9]+")


def normalize_login_id(value):
    """Full-width digits and letters become half-width and surrounding spaces go.

    Leading zeros are kept: member numbers are strings (``0012345``). A guest number typed
    in lower case (``g0000001``) becomes upper case; other ids (staff names) keep their case.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if GUEST_LOGIN_ID.fullmatch(text):
        return text.upper()
    return text


def axes_username(request, credentials):
    """The login id django-axes counts failures against, normalised like the form does."""
    if credentials and credentials.get("username") is not None:
        return normalize_login_id(credentials["username"])
    return normalize_login_id(request.POST.get("username", ""))


def password_reset_url(user):
    """The single-use password-setting link (valid PASSWORD_RESET_TIMEOUT) for ``user``, absolute.

    The token depends on the stored password hash, so make it after the account is saved.
    """
    path = reverse(
        "member:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def render_password_reset_mail(*, user):
    """The reset mail's subject and body for ``user``."""
    context = {
        "user": user,
        "reset_url": password_reset_url(user),
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    body = render_to_string("membership/mail/password_reset.txt", context)
    return mail_subject("パスワード再設定のご案内"), body


def send_password_reset_mail(*, user):
    """Mail a single-use link (valid PASSWORD_RESET_TIMEOUT) to the registered address."""
    subject, body = render_password_reset_mail(user=user)
    queue_mail(subject=subject, body=body, to=[user.email])


@transaction.atomic
def change_password(*, user, new_password):
    """Store a new password (validated by the caller's form); history is kept by the validator."""
    user.set_password(new_password)
    user.save()
