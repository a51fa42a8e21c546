"""Background work of the public site: the inquiry form's mail to the secretariat."""

from django_tasks import task


@task()
def send_inquiry_mail(*, submission_id):
    """Mail one stored inquiry to the secretariat; re-reads the submission, which staff may
    have deleted meanwhile (then there is nothing to send)."""
    from wagtail.contrib.forms.models import FormSubmission

    submission = FormSubmission.objects.select_related("page").filter(pk=submission_id).first()
    if submission is None:
        return "deleted"
    message = submission.page.specific.inquiry_mail(submission)
    if message is None:
        return "no recipient"
    message.send()
    return "sent"
