"""Guide 4: 会費支払い明細, the start of the payment flow, and the receipt."""

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.dates import current_fiscal_year
from membership.billing.errors import BillingError
from membership.billing.payments import record_manual_payment, start_payment
from membership.models import Invoice, Payment
from tests.factories import InvoiceFactory, MemberFactory

pytestmark = pytest.mark.django_db


def pay_by_hand(invoice, day=datetime.date(2025, 5, 1)):
    return record_manual_payment(invoice_id=invoice.pk, channel=Invoice.Channel.YUCHO, paid_on=day)


def listed_years(response):
    """The fiscal years of the statement's rows, in the order the page lists them."""
    return [
        int(year)
        for year in re.findall(r'<tr class="invoice-row[^"]*" data-fiscal-year="(\d+)"', response.content.decode())
    ]


def test_dues_table_newest_year_first_with_paid_and_unpaid_rows(member_client, member):
    this_year = current_fiscal_year()
    for year in (this_year - 2, this_year, this_year - 1):
        InvoiceFactory(member=member, fiscal_year=year)
    pay_by_hand(Invoice.objects.get(fiscal_year=this_year - 2), datetime.date(2021, 4, 1))
    response = member_client.get(reverse("member:dues"))
    years = listed_years(response)
    assert years == [this_year, this_year - 1, this_year - 2]
    body = response.content.decode()
    assert "2021/04/01" in body and "ゆうちょ" in body and "5,000円" in body
    assert body.count("会員情報確認 支払手続き") == 2
    assert body.count("ダウンロード") == 1
    # 請求時会員ステータス in the guide's words (issue 13, item 8): 通常, not the admin's 正会員.
    assert body.count('data-label="請求時会員ステータス">通常<') == 3 and "正会員" not in body


def test_the_statement_opens_on_the_recent_years_and_everything_unpaid(member_client, member):
    this_year = current_fiscal_year()
    for year in range(this_year - 19, this_year + 1):
        invoice = InvoiceFactory(member=member, fiscal_year=year)
        if year != this_year - 12:  # one old year never paid
            pay_by_hand(invoice)
    response = member_client.get(reverse("member:dues"))
    years = listed_years(response)
    assert years == [*range(this_year, this_year - 5, -1), this_year - 12]
    body = response.content.decode()
    assert f"{this_year - 5}年度以前の明細を表示する(14件)" in body
    assert body.count("会員情報確認 支払手続き") == 1

    everything = member_client.get(reverse("member:dues"), {"all": "1"})
    years = listed_years(everything)
    assert years == list(range(this_year, this_year - 20, -1))
    assert "年度以前の明細を表示する" not in everything.content.decode()
    assert f"{this_year - 4}年度以降と未納の明細だけを表示する" in everything.content.decode()


def test_an_exempt_invoice_reads_exempt_and_offers_no_payment(member_client, member):
    InvoiceFactory(member=member, fiscal_year=current_fiscal_year(), status=Invoice.Status.EXEMPT)
    body = member_client.get(reverse("member:dues")).content.decode()
    assert re.search(r'class="paid-on nowrap">\s*免除\s*</td>', body)
    assert re.search(r'data-label="備考">\s*免除\s*</td>', body)
    assert "会員情報確認 支払手続き" not in body and "請求書" not in body and "ダウンロード" not in body


def test_only_old_paid_years_are_not_told_there_are_no_invoices(member_client, member):
    pay_by_hand(InvoiceFactory(member=member, fiscal_year=current_fiscal_year() - 8))
    body = member_client.get(reverse("member:dues")).content.decode()
    assert '<p class="muted">請求はありません。</p>' not in body
    assert f"{current_fiscal_year() - 4}年度以降の請求はありません。" in body
    assert "年度以前の明細を表示する(1件)" in body


def test_dashboard_tells_about_unpaid_dues(member_client, member):
    InvoiceFactory(member=member, fiscal_year=2024)
    body = member_client.get(reverse("member:dashboard")).content.decode()
    assert "未納の年会費があります(2024年度)" in body
    assert reverse("member:dues") in body


def count_queries(member_client):
    """Queries of one view of the dues page."""
    with CaptureQueriesContext(connection) as queries:
        assert member_client.get(reverse("member:dues")).status_code == 200
    return len(queries)


def test_dues_page_query_count_does_not_grow_with_history(member_client, member):
    for year in range(2020, 2025):
        InvoiceFactory(member=member, fiscal_year=year)
    count_queries(member_client)  # the first request of a session also loads site settings and the like
    few = count_queries(member_client)
    for year in range(1975, 2020):
        invoice = InvoiceFactory(member=member, fiscal_year=year)
        if year % 3 == 0:
            pay_by_hand(invoice)
        elif year % 3 == 1:
            start_payment(member=member, invoice_id=invoice.pk, method="cvs")
    assert Invoice.objects.filter(member=member).count() == 50
    assert count_queries(member_client) == few


def test_with_nothing_unpaid_the_page_does_not_look_for_open_payments(member_client, member):
    for year in range(2020, 2025):
        pay_by_hand(InvoiceFactory(member=member, fiscal_year=year))
    count_queries(member_client)  # the first request of a session also loads site settings and the like
    all_paid = count_queries(member_client)
    InvoiceFactory(member=member, fiscal_year=2025)
    assert count_queries(member_client) == all_paid + 1


def test_profile_saved_today_goes_straight_to_the_method(member_client, member):
    invoice = InvoiceFactory(member=member)
    member.profile_saved_at = timezone.now()
    member.save()
    response = member_client.get(reverse("member:payment_start", args=[invoice.pk]))
    assert response.url == reverse("member:payment_method", args=[invoice.pk])


def test_profile_not_saved_today_shows_the_profile_form_first(member_client, member):
    invoice = InvoiceFactory(member=member)
    member.profile_saved_at = timezone.now() - datetime.timedelta(days=1)
    member.save()
    response = member_client.get(reverse("member:payment_start", args=[invoice.pk]))
    assert response.url == f"{reverse('member:profile_edit')}?invoice={invoice.pk}"
    page = member_client.get(response.url)
    assert "変更してお支払い手続きへ" in page.content.decode()


def test_saving_the_profile_continues_to_the_method(member_client, member):
    from tests.membership.test_profile import form_data

    invoice = InvoiceFactory(member=member)
    response = member_client.post(
        f"{reverse('member:profile_edit')}?invoice={invoice.pk}", form_data(member, phone="03-5555-6666")
    )
    assert response.url == reverse("member:payment_method", args=[invoice.pk])
    member.refresh_from_db()
    assert member.phone == "0355556666"
    assert member.profile_confirmed_on(timezone.localdate())


def test_name_outside_jis_blocks_payment(member_client):
    member = MemberFactory(family_name="山﨑", profile_saved_at=timezone.now())
    member_client.force_login(member.user)
    invoice = InvoiceFactory(member=member)
    response = member_client.post(reverse("member:payment_method", args=[invoice.pk]), {"method": "card"})
    assert response.status_code == 200
    assert "環境依存文字(﨑)" in response.content.decode()
    assert not Payment.objects.exists()


def test_the_method_page_needs_the_profile_confirmed_today(member_client, member):
    invoice = InvoiceFactory(member=member)
    response = member_client.get(reverse("member:payment_method", args=[invoice.pk]))
    assert response.url == reverse("member:payment_start", args=[invoice.pk])


def test_method_page_of_a_paid_invoice_goes_back_to_the_dues(member_client, member):
    invoice = InvoiceFactory(member=member)
    pay_by_hand(invoice)
    response = member_client.get(reverse("member:payment_method", args=[invoice.pk]))
    assert response.url == reverse("member:dues")


def test_method_is_fixed_after_decide(member_client, member):
    member.profile_saved_at = timezone.now()
    member.save()
    invoice = InvoiceFactory(member=member)
    response = member_client.post(reverse("member:payment_method", args=[invoice.pk]), {"method": "cvs"})
    payment = Payment.objects.get()
    assert response.url == reverse("member:payment", args=[payment.order_id])
    assert payment.method == "cvs"
    # Coming back and choosing card does not change the attempt nor open a second one.
    again = member_client.post(reverse("member:payment_method", args=[invoice.pk]), {"method": "card"})
    assert again.url == reverse("member:payment", args=[payment.order_id])
    assert Payment.objects.count() == 1
    assert Payment.objects.get().method == "cvs"


def test_one_open_attempt_per_invoice_is_enforced_by_the_database(member):
    invoice = InvoiceFactory(member=member)
    Payment.objects.create(invoice=invoice, method="card", order_id="A1", amount=5000)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(invoice=invoice, method="cvs", order_id="A2", amount=5000)


def test_order_ids_fit_the_gateway(member):
    invoice = InvoiceFactory(member=member)
    payment = start_payment(member=member, invoice_id=invoice.pk, method="card")
    assert len(payment.order_id) <= 27
    assert all(ch.isalnum() or ch == "-" for ch in payment.order_id)


def test_receipt_pdf_holds_number_name_amount_purpose_and_issuer(member_client, member, demo_site_settings):
    invoice = InvoiceFactory(member=member, fiscal_year=2023)
    pay_by_hand(invoice, datetime.date(2023, 6, 10))
    invoice.refresh_from_db()
    assert invoice.receipt_number == "2023-000001"
    response = member_client.get(reverse("member:receipt", args=[invoice.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="receipt-2023-000001.pdf"' in response["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    for expected in (
        "領収書",
        "2023-000001",
        member.full_name,
        "5,000",
        "2023年度 会費として",
        "一般社団法人 日本消化器内視鏡技師会",
        "T1234567890123",
    ):
        assert expected in text, expected
    again = PdfReader(io.BytesIO(member_client.get(reverse("member:receipt", args=[invoice.pk])).content))
    assert again.pages[0].extract_text() == text


def test_receipt_uses_the_alternate_spelling(member_client):
    member = MemberFactory(family_name="山﨑", given_name="花子", alternate_name="山崎 花子")
    member_client.force_login(member.user)
    invoice = InvoiceFactory(member=member)
    pay_by_hand(invoice)
    text = (
        PdfReader(io.BytesIO(member_client.get(reverse("member:receipt", args=[invoice.pk])).content))
        .pages[0]
        .extract_text()
    )
    assert "山崎 花子" in text


def test_receipt_numbers_are_per_fiscal_year_and_gapless(member):
    numbers = []
    for year, day in (
        (2023, datetime.date(2024, 3, 31)),
        (2024, datetime.date(2024, 4, 1)),
        (2025, datetime.date(2024, 4, 2)),
    ):
        invoice = InvoiceFactory(member=member, fiscal_year=year)
        numbers.append(pay_by_hand(invoice, day).receipt_number)
    assert numbers == ["2023-000001", "2024-000001", "2024-000002"]


def test_another_members_money_urls_are_refused(member_client, member):
    other = MemberFactory()
    theirs = InvoiceFactory(member=other)
    pay_by_hand(theirs)
    unpaid = InvoiceFactory(member=other, fiscal_year=2026)
    payment = start_payment(member=other, invoice_id=unpaid.pk, method="card")
    for url in (
        reverse("member:receipt", args=[theirs.pk]),
        reverse("member:payment_start", args=[unpaid.pk]),
        reverse("member:payment_method", args=[unpaid.pk]),
        reverse("member:payment", args=[payment.order_id]),
    ):
        assert member_client.get(url).status_code == 404, url
    assert member_client.post(reverse("member:payment_method", args=[unpaid.pk]), {"method": "cvs"}).status_code == 404
    with pytest.raises(BillingError):
        start_payment(member=member, invoice_id=unpaid.pk, method="card")
