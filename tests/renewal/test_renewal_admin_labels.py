"""A renewal application keeps the expiry it was made for: after the card was issued the admin
called it 「現在の有効期限」 (2027/03/31) while the member's current expiry was already 2032/03/31.
It is 「申請時の有効期限」 in the listing, the inspect page and the export, as on 更新延長申請."""

import pytest
from django.urls import reverse

from membership.billing.payments import record_manual_payment
from membership.models import Invoice
from renewal import renewals
from tests.renewal.test_renewals import RENEWAL_URLS, due_member, give_points, staff, today  # noqa: F401
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db


def test_an_issued_application_shows_the_expiry_it_was_made_for(client, due_member, staff):  # noqa: F811
    application = renewals.submit_renewal(member=due_member)
    renewals.approve_renewal(application_id=application.pk, user=staff)
    application.refresh_from_db()
    record_manual_payment(invoice_id=application.invoice_id, channel=Invoice.Channel.COUNTER, paid_on=today())
    renewals.issue_card(application_id=application.pk, user=staff)
    log_in_staff(client, staff)

    for page in (
        client.get(reverse(f"{RENEWAL_URLS}:list")).text,
        client.get(reverse(f"{RENEWAL_URLS}:inspect", args=[application.pk])).text,
        b"".join(client.get(reverse(f"{RENEWAL_URLS}:list") + "?export=csv").streaming_content).decode("utf-8-sig"),
    ):
        assert "申請時の有効期限" in page and "現在の有効期限" not in page
