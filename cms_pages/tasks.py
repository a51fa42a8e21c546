"""Background work of the public site: the inquiry form's mail to the secretariat."""

from django.db import transaction
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


def enqueue_on_commit(task_function, **kwargs):
    """Queue a task so that it exists exactly when the current transaction commits.

    The same rule as ``membership.tasks.enqueue_with_transaction`` (cms_pages imports nothing
    of the other apps): the database backend stores the task row in this transaction (an
    outbox); backends that run a task at once run it after the commit.
    """
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(task_function.get_backend(), DatabaseBackend):
        task_function.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task_function.enqueue(**kwargs))
