"""Deleting a member who has records (invoices, registrations, credits: PROTECT) is refused with
a message, on the confirmation page already: 「はい、削除します」 used to end in a 500
(ProtectedError) after a page saying the member was referenced from nowhere."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from membership.models import Member
from tests.factories import InvoiceFactory, MemberFactory, StaffUserFactory
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_membership_member"
REFUSAL = "「{member}」には請求の記録があるため削除できません。会員をやめる場合は、会員ステータス(退会・資格喪失)を変更してください。"


@pytest.fixture
def staff_client(client):
    staff = StaffUserFactory(username="jimu-delete")
    staff.groups.add(Group.objects.get(name="事務局"))
    log_in_staff(client, staff)
    return client


def messages_of(response):
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_with_an_invoice_is_not_deleted(staff_client, method):
    member = MemberFactory()
    InvoiceFactory(member=member)

    response = getattr(staff_client, method)(reverse(f"{URLS}:delete", args=[member.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse(f"{URLS}:edit", args=[member.pk])
    assert messages_of(response) == [REFUSAL.format(member=member)]
    assert Member.objects.filter(pk=member.pk).exists()


def test_a_member_without_records_is_still_deleted(staff_client):
    member = MemberFactory()

    confirm = staff_client.get(reverse(f"{URLS}:delete", args=[member.pk]))
    assert confirm.status_code == 200
    response = staff_client.post(reverse(f"{URLS}:delete", args=[member.pk]))

    assert response.status_code == 302
    assert not Member.objects.filter(pk=member.pk).exists()
