from django.core.mail import send_mail
from django_tasks import task


@task()
def send_member_mail(*, subject, body, to):
    """Send one plain-text mail. Queued so a slow mail server never blocks a page."""
    send_mail(subject=subject, message=body, from_email=None, recipient_list=list(to))
