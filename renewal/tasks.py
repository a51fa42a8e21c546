"""Renewal's background tasks (django-tasks): the waiting lists' periodic sweep.

``manage.py sweep_waiting_lists`` queues it; run that on a schedule (every 15 minutes, from
cron or a systemd timer, as ``recover_stale_tasks``) so that an offer left unanswered goes to
the next in line soon after its time, and unpaid registrations give their seats back.
"""

from django_tasks import task


@task()
def sweep_waiting_lists():
    """Expired offers to the next in line; unpaid registrations past their hold lapse (``waiting_list.sweep``)."""
    from .waiting_list import sweep  # the service imports the models; keep the task module light

    expired, lapsed = sweep()
    return {"offers_expired": expired, "registrations_lapsed": lapsed}
