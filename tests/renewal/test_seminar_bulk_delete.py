"""Wagtail's bulk delete of seminars whose sessions have registrations: refused with a message
(core.protected_delete) instead of a 500 (ProtectedError: registrations protect their session)."""

import pytest
from django.contrib.messages import get_messages

from renewal.models import Seminar
from tests.factories import MemberFactory
from tests.renewal.seminar_data import make_seminar, register

pytestmark = pytest.mark.django_db


def test_bulk_deleting_seminars_with_registrations_is_refused(staff_client):
    used = make_seminar()
    register(MemberFactory(), used.sessions.get())
    unused = make_seminar(title="未使用のセミナー")
    listing = "/admin/snippets/renewal/seminar/"

    for method in ("get", "post"):
        response = getattr(staff_client, method)(
            f"/admin/bulk/renewal/seminar/delete/?id={used.pk}&id={unused.pk}&next={listing}"
        )
        assert response.status_code == 302 and response["Location"] == listing
        messages = [str(m).strip() for m in get_messages(response.wsgi_request)]
        assert messages[-1] == "選んだ2件には参加申込の記録があるものが含まれるため削除できません。"
    assert Seminar.objects.count() == 2
