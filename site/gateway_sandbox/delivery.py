"""Delivering result notifications to the shop, with retries.

A notification is acknowledged only by HTTP 200 with the body ``0``; otherwise it is sent
again after 1, 2, 4, 8 … minutes, at most MAX_DELIVERY_ATTEMPTS times. With a task backend
that can defer (django-tasks-db) the retry is queued with ``run_after``; with the immediate
backend only ``next_attempt_at`` is recorded, and ``manage.py sandbox_resend`` or the
console's 「未達の通知を再送」 sends what is due.

A notification caused by the shop's own API call (void) is sent after the answer when
``settings.SANDBOX_NOTIFY_AFTER_ANSWER`` is on (the development server): the shop asks while
holding the attempt's row lock, and handling the notification waits for that lock. Sent
within the call, it would wait for the very answer the shop is waiting for.

All HTTP goes through the module-level session ``http``: tests mount adapters on it.
"""

import logging
import threading
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_tasks import task

from . import db
from .models import MAX_DELIVERY_ATTEMPTS, SandboxNotification

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
CONTENT_TYPE = "application/x-www-form-urlencoded"

http = requests.Session()
http.headers["User-Agent"] = "GMO-PG-Sandbox/1.0"


def retry_delay(attempts):
    """Wait before the next attempt, after ``attempts`` failed ones: 1, 2, 4, 8 … minutes."""
    return timedelta(minutes=2 ** (attempts - 1))


# How long the background thread waits before sending a notification "after the answer".
AFTER_ANSWER_DELAY_SECONDS = 0.5


def enqueue_delivery(notification_id, *, run_after=None, after_attempts=None, after_answer=False):
    """Queue the delivery once the sandbox's current transaction commits.

    ``after_answer``: the notification answers the shop's own API call; with
    ``settings.SANDBOX_NOTIFY_AFTER_ANSWER`` it is queued from a background thread shortly
    after, so that the call's answer leaves first.
    """

    def enqueue():
        if run_after is None:
            deliver_notification.enqueue(notification_id)
        else:
            deliver_notification.using(run_after=run_after).enqueue(notification_id, after_attempts=after_attempts)

    if after_answer and settings.SANDBOX_NOTIFY_AFTER_ANSWER:
        db.on_commit(lambda: _in_background(enqueue, name=f"sandbox-notification-{notification_id}"))
    else:
        db.on_commit(enqueue)


def _in_background(function, *, name):
    """Run ``function`` in a thread of its own after AFTER_ANSWER_DELAY_SECONDS.

    Not a daemon thread: a command that ends (``sandbox_trade``) still sends what it caused.
    """

    def run():
        time.sleep(AFTER_ANSWER_DELAY_SECONDS)
        try:
            function()
        except Exception:
            logger.exception("Sandbox: sending %s failed", name)
        finally:
            connections.close_all()  # this thread's own connections

    threading.Thread(target=run, name=name).start()


@task()
def deliver_notification(notification_id, after_attempts=None):
    """POST one notification to the shop and record the answer.

    ``after_attempts`` is set on scheduled retries: the retry is dropped when someone sent the
    notification in the meantime (the count moved on), so retries never fork.
    """
    notification = SandboxNotification.objects.filter(pk=notification_id).first()
    if notification is None or notification.delivered_at is not None:
        return "skipped"
    if after_attempts is not None and notification.attempts != after_attempts:
        return "skipped"
    # No transaction is held during the request: the shop may well write to the same
    # database (and in development it is this very site).
    try:
        response = http.post(
            settings.SANDBOX_NOTIFY_URL,
            data=notification.body.encode("utf-8"),
            headers={"Content-Type": CONTENT_TYPE},
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        acknowledged, answer = False, f"{type(exc).__name__}: {exc}"
    else:
        text = response.content.decode("utf-8", "replace")
        acknowledged = response.status_code == 200 and text.strip() == "0"
        answer = f"HTTP {response.status_code}: {text}"
    return record_attempt(notification_id, acknowledged=acknowledged, answer=answer)


@db.atomic
def record_attempt(notification_id, *, acknowledged, answer):
    notification = SandboxNotification.objects.select_for_update().get(pk=notification_id)
    now = timezone.now()
    notification.attempts += 1
    notification.last_attempt_at = now
    notification.last_response = answer[:500]
    if notification.delivered_at is not None:
        pass  # delivered meanwhile by another attempt
    elif acknowledged:
        notification.delivered_at = now
        notification.next_attempt_at = None
    elif notification.attempts < MAX_DELIVERY_ATTEMPTS:
        notification.next_attempt_at = now + retry_delay(notification.attempts)
        if deliver_notification.get_backend().supports_defer:
            enqueue_delivery(
                notification.pk, run_after=notification.next_attempt_at, after_attempts=notification.attempts
            )
    else:
        notification.next_attempt_at = None
        logger.warning("Sandbox notification %s gave up after %s attempts", notification.pk, notification.attempts)
    notification.save(update_fields=["attempts", "last_attempt_at", "last_response", "delivered_at", "next_attempt_at"])
    return "delivered" if notification.delivered_at else "failed"


def resend_undelivered(*, due_only=True, now=None):
    """Send every undelivered notification again now; with ``due_only``, those whose retry is due.

    Returns how many were sent. Notifications that gave up are included unless ``due_only``.
    """
    now = now or timezone.now()
    pending = SandboxNotification.objects.filter(delivered_at__isnull=True)
    if due_only:
        pending = pending.filter(next_attempt_at__lte=now)
    ids = list(pending.order_by("created_at", "id").values_list("pk", flat=True))
    for notification_id in ids:
        enqueue_delivery(notification_id)
    return len(ids)
