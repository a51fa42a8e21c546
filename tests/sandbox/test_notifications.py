"""Delivery of result notifications: acknowledgement, back-off, resending."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from gateway_sandbox import delivery
from gateway_sandbox.models import SandboxNotification
from tests.http_adapters import RecordingAdapter, mounted

from .helpers import pay_by_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(settings):
    """A shop endpoint whose answer the test sets: ``shop.answer = (status, body)`` or an exception."""
    state = SimpleNamespace(answer=(200, "0"))

    def respond(request):
        if isinstance(state.answer, Exception):
            raise state.answer
        return state.answer

    with mounted(delivery.http, settings.SANDBOX_NOTIFY_URL, RecordingAdapter(respond)) as adapter:
        state.adapter = adapter
        yield state


def assert_retry_in(notification, minutes):
    expected = notification.last_attempt_at + timedelta(minutes=minutes)
    assert notification.next_attempt_at == expected


@pytest.mark.parametrize(
    ("answer", "recorded"),
    [
        ((200, "1"), "HTTP 200: 1"),
        ((500, "0"), "HTTP 500: 0"),
        ((200, "OK"), "HTTP 200: OK"),
        (requests.ConnectionError("refused"), "ConnectionError: refused"),
        (requests.Timeout("slow"), "Timeout: slow"),
    ],
)
def test_anything_but_200_and_0_is_not_an_acknowledgement(client, commit, shop, answer, recorded):
    shop.answer = answer

    pay_by_card(client, commit)

    notification = SandboxNotification.objects.get()
    assert notification.delivered_at is None
    assert notification.attempts == 1
    assert notification.last_response == recorded
    assert_retry_in(notification, 1)


def test_zero_with_whitespace_is_an_acknowledgement(client, commit, shop):
    shop.answer = (200, "0\r\n")

    pay_by_card(client, commit)

    assert SandboxNotification.objects.get().delivered_at is not None


def test_retries_back_off_and_stop_after_ten_attempts(client, commit, shop):
    shop.answer = (500, "error")
    pay_by_card(client, commit)
    notification = SandboxNotification.objects.get()

    for attempts, minutes in [(2, 2), (3, 4), (4, 8)]:
        delivery.deliver_notification.call(notification.pk)
        notification.refresh_from_db()
        assert notification.attempts == attempts
        assert_retry_in(notification, minutes)

    SandboxNotification.objects.filter(pk=notification.pk).update(attempts=9)
    delivery.deliver_notification.call(notification.pk)
    notification.refresh_from_db()
    assert notification.attempts == 10
    assert notification.gave_up
    assert notification.next_attempt_at is None


def test_resend_command_sends_what_is_due(client, commit, shop):
    shop.answer = (200, "1")
    pay_by_card(client, commit)
    notification = SandboxNotification.objects.get()

    shop.answer = (200, "0")
    with commit():
        call_command("sandbox_resend")
    notification.refresh_from_db()
    assert notification.delivered_at is None  # not due yet
    assert len(shop.adapter.requests) == 1

    SandboxNotification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    with commit():
        call_command("sandbox_resend")
    notification.refresh_from_db()
    assert notification.delivered_at is not None
    assert notification.attempts == 2
    assert notification.next_attempt_at is None
    assert shop.adapter.requests[0].body == shop.adapter.requests[1].body


def test_resend_all_includes_notifications_not_yet_due(client, commit, shop):
    shop.answer = (200, "1")
    pay_by_card(client, commit)

    shop.answer = (200, "0")
    with commit():
        call_command("sandbox_resend", "--all")

    assert SandboxNotification.objects.get().delivered_at is not None


def test_console_button_resends_undelivered_notifications(client, commit, shop, settings):
    settings.DEBUG = True
    shop.answer = requests.ConnectionError("down")
    pay_by_card(client, commit)

    shop.answer = (200, "0")
    with commit():
        response = client.post("/sandbox-gateway/console/", {"action": "resend_undelivered"}, follow=True)

    assert "未達の通知 1 件を再送しました" in response.content.decode()
    notification = SandboxNotification.objects.get()
    assert notification.delivered_at is not None
    assert notification.attempts == 2


def test_delivered_notifications_are_not_sent_again_by_a_late_retry(client, commit, shop):
    pay_by_card(client, commit)
    notification = SandboxNotification.objects.get()

    assert delivery.deliver_notification.call(notification.pk) == "skipped"
    assert len(shop.adapter.requests) == 1


class FakeDeferringTask:
    """Stands in for the task on a backend that can defer: records what would be queued."""

    def __init__(self):
        self.queued = []
        self._run_after = None

    def get_backend(self):
        return SimpleNamespace(supports_defer=True)

    def using(self, *, run_after):
        self._run_after = run_after
        return self

    def enqueue(self, *args, **kwargs):
        self.queued.append((self._run_after, args, kwargs))


def test_with_a_deferring_backend_the_retry_is_queued_with_run_after(client, commit, shop, monkeypatch):
    shop.answer = (200, "1")
    pay_by_card(client, commit)  # first attempt on the immediate backend: only recorded
    notification = SandboxNotification.objects.get()
    real_task = delivery.deliver_notification
    fake = FakeDeferringTask()
    monkeypatch.setattr(delivery, "deliver_notification", fake)

    with commit():
        real_task.call(notification.pk)

    notification.refresh_from_db()
    assert notification.attempts == 2
    assert fake.queued == [(notification.next_attempt_at, (notification.pk,), {"after_attempts": 2})]
    assert_retry_in(notification, 2)


def test_a_stale_scheduled_retry_is_dropped(client, commit, shop):
    shop.answer = (200, "1")
    pay_by_card(client, commit)
    notification = SandboxNotification.objects.get()

    # Scheduled after attempt 1, but someone resent meanwhile (attempts is now 2).
    SandboxNotification.objects.filter(pk=notification.pk).update(attempts=2)
    assert delivery.deliver_notification.call(notification.pk, after_attempts=1) == "skipped"
    assert len(shop.adapter.requests) == 1
