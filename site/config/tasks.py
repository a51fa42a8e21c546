"""Queueing background tasks (django-tasks), the same way for every app."""


def enqueue_with_transaction(task_function, **kwargs):
    """Queue a task so that it exists exactly when the current transaction commits.

    The database backend (production) stores the task as a row in this very transaction, an
    outbox: no paid invoice without its mail, and no mail for a rolled-back payment, even if
    the process dies right after the commit. Backends that run or send a task at once (the
    immediate backend of development and tests) are called after the commit instead.
    """
    from django.db import transaction
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(task_function.get_backend(), DatabaseBackend):
        task_function.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task_function.enqueue(**kwargs))
