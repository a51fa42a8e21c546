"""Mails to a member from a template, signed with the society's name (``society_settings``),
queued through the outbox so that they leave only if the transaction commits."""

from django.template.loader import render_to_string

from cms_pages.models import society_settings
from core.outbox import queue_mail


def mail_subject(subject, *, society=None):
    """``subject`` prefixed with the society's name (設定 › 学会の情報): 【name】subject."""
    return f"【{(society or society_settings()).society_name}】{subject}"


def mail_member(member, *, template, subject, context=None):
    """Queue ``template`` to ``member``'s address (nothing when they have none).

    The template gets ``member``, ``society`` and ``context``; the subject is prefixed with
    the society's name: 【日本消化器内視鏡技師会】<subject>.
    """
    email = member.user.email
    if not email:
        return
    society = society_settings()
    body = render_to_string(template, {"member": member, "society": society, **(context or {})})
    queue_mail(subject=mail_subject(subject, society=society), body=body, to=[email])
