"""The mail outbox: background tasks (django-tasks) queued with the transaction that decides them."""

from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend


def enqueue_with_transaction(task_function, **kwargs):
    """Queue a task so that it exists exactly when the current transaction commits.

    The database backend (production) stores the task as a row in this very transaction, an
    outbox: no paid invoice without its mail, and no mail for a rolled-back payment, even if
    the process dies right after the commit. Backends that run or send a task at once (the
    immediate backend of development and tests) are called after the commit instead.
    """
    if isinstance(task_function.get_backend(), DatabaseBackend):
        task_function.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task_function.enqueue(**kwargs))


@task()
def send_plain_mail(*, subject, body, to):
    """Send one plain-text mail. Queued so a slow mail server never blocks a page."""
    send_mail(subject=subject, message=body, from_email=None, recipient_list=list(to))


def queue_mail(*, subject, body, to):
    """Send a mail when (and only if) the current transaction commits: see ``enqueue_with_transaction``."""
    enqueue_with_transaction(send_plain_mail, subject=subject, body=body, to=list(to))
