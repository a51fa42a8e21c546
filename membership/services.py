"""Account operations that change several things at once or talk to the outside."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .tasks import send_member_mail


def send_password_reset_mail(*, user):
    """Mail a single-use link (valid PASSWORD_RESET_TIMEOUT) to the registered address."""
    path = reverse(
        "member:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "reset_url": f"{settings.SITE_URL}{path}",
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    body = render_to_string("membership/mail/password_reset.txt", context)
    transaction.on_commit(
        lambda: send_member_mail.enqueue(
            subject="【日本消化器内視鏡技師会】パスワード再設定のご案内", body=body, to=[user.email]
        )
    )


@transaction.atomic
def change_password(*, user, new_password):
    """Store a new password (validated by the caller's form); history is kept by the validator."""
    user.set_password(new_password)
    user.save()
