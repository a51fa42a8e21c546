import pytest
import requests
from django.conf import settings

from gateway_sandbox import delivery
from tests.http_adapters import RecordingAdapter, mounted


def _no_network(request):
    raise requests.ConnectionError(f"no network in tests: {request.url}")


@pytest.fixture(autouse=True)
def no_network():
    """Nothing leaves the machine: unmatched URLs on the sandbox's session fail to connect."""
    adapter = RecordingAdapter(_no_network)
    with mounted(delivery.http, "http://", adapter), mounted(delivery.http, "https://", adapter):
        yield adapter


@pytest.fixture
def notify():
    """The shop's notification endpoint, faked: records notifications and answers ``0``."""
    with mounted(delivery.http, settings.SANDBOX_NOTIFY_URL, RecordingAdapter()) as adapter:
        yield adapter


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the code queued with transaction.on_commit (tests run inside a transaction)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
