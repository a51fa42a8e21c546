"""The member's own profile (guide 3): saving it, and changing the e-mail address, which
takes effect only once the new address is confirmed through a mailed link."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.outbox import queue_mail

from .mail import mail_subject
from .models import User

EMAIL_CHANGE_SALT = "membership.email-change"
EMAIL_CHANGE_MAX_AGE = 60 * 60 * 24


class EmailChangeError(DomainError):
    """A confirmation link that cannot be used; the message is shown to the member."""


@transaction.atomic
def save_profile(*, member, new_email):
    """Save the member's own changes (guide 3) and note when, for the payment flow (guide 4 ①).

    Returns True when a change of e-mail address was requested: the new address must be
    confirmed first, so until then the old one keeps working.
    """
    member.profile_saved_at = timezone.now()
    member.save()
    new_email = (new_email or "").strip()
    if new_email and new_email.lower() != (member.user.email or "").lower():
        request_email_change(user=member.user, new_email=new_email)
        return True
    return False


def request_email_change(*, user, new_email):
    """Mail a confirmation link to the new address and tell the old address about it."""
    token = signing.dumps({"user": user.pk, "old": user.email, "new": new_email}, salt=EMAIL_CHANGE_SALT)
    context = {
        "user": user,
        "new_email": new_email,
        "confirm_url": f"{settings.SITE_URL}{reverse('member:email_confirm', kwargs={'token': token})}",
        "valid_hours": EMAIL_CHANGE_MAX_AGE // 3600,
    }
    to_new = render_to_string("membership/mail/email_change_confirm.txt", context)
    to_old = render_to_string("membership/mail/email_change_notice.txt", context)
    old_email = user.email
    queue_mail(subject=mail_subject("メールアドレス変更の確認"), body=to_new, to=[new_email])
    if old_email:
        queue_mail(subject=mail_subject("メールアドレス変更手続きのお知らせ"), body=to_old, to=[old_email])


@transaction.atomic
def confirm_email_change(*, token):
    """Apply a confirmed address change. Single use: once applied, the old address no longer matches."""
    try:
        payload = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.SignatureExpired as error:
        raise EmailChangeError(
            "確認用URLの有効期限が切れています。もう一度会員詳細からメールアドレスを変更してください。"
        ) from error
    except signing.BadSignature as error:
        raise EmailChangeError(
            "確認用URLが正しくありません。メールに記載されたURLをそのまま開いてください。"
        ) from error
    user = User.objects.select_for_update().filter(pk=payload["user"]).first()
    if user is None or (user.email or "") != (payload["old"] or ""):
        raise EmailChangeError("この確認用URLはすでに使用されたか、より新しい変更手続きがあるため使えません。")
    user.email = payload["new"]
    user.save(update_fields=["email"])
    return user
