"""BENCH member_pages_worst_vs_login: the slowest members-area page or PDF over the login page.

At 10,000 members with 20 years of history each (tests/bench/history.py, the ``society``
fixture), one member's pages and PDFs (points, 領収書, 受講票, 請求書, 出席証明書) are fetched
through the Django test client, the login page anonymously, in the same run: each round
measures every page in turn, RUNS times, each time right after one fetch of the login page
(``timing.paired_ratio``: both medians under the same load); each page's ratio is the median
over ROUNDS rounds. Prints ``BENCH member_page_<name>_vs_login`` for each, then the worst.

Each PDF's drawing alone (core.pdf.render_pdf, from the data its page reads: no request, no
queries) is measured the same way, ``BENCH member_pdf_<name>_drawing_vs_login``: what of a PDF
page's ratio is xhtml2pdf's and ReportLab's, whatever the page does around it.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import worker
from core.pdf import render_pdf
from membership.billing.invoice_documents import BILL_TO_MEMBER, issue_invoice_document, render_invoice_document_pdf
from membership.billing.receipts import render_receipt_pdf
from membership.models import Invoice, InvoiceDocument, Receipt
from renewal.certificates import CREDIT_RELATED, render_certificate_pdf
from renewal.models import Credit, Registration
from renewal.tickets import render_ticket_pdf
from renewal.views.credits import credit_page_data
from tests.bench.timing import getter, ratios_over_anchor

RUNS = 15


@pytest.mark.django_db
def test_member_pages_vs_login(society):
    member, _ = society
    paid = Invoice.objects.filter(member=member, status=Invoice.Status.PAID).order_by("-fiscal_year").first()
    ticket = Registration.objects.filter(member=member, attended_at__isnull=True).get()
    # The 請求書 of this year's unpaid dues, and the 出席証明書 of the last seminar attended (its
    # credit recorded by the attendance check, as the desk or the attendance sheet records it).
    unpaid = Invoice.objects.get(member=member, status=Invoice.Status.UNPAID)
    issue_invoice_document(invoice_id=unpaid.pk, member=member, bill_to=BILL_TO_MEMBER, user=member.user)
    attended = (
        Registration.objects.filter(member=member, attended_at__isnull=False)
        .select_related("session__seminar")
        .latest("session__seminar__starts_on")
    )
    credit = Credit.objects.create(
        member=member,
        session=attended.session,
        credit_category_id=attended.session.credit_category_id,
        points=attended.session.points,
        earned_on=attended.session.seminar.starts_on,
        source=Credit.Source.ATTENDANCE,
    )
    urls = {
        "dashboard": reverse("member:dashboard"),
        "profile": reverse("member:profile"),
        "dues": reverse("member:dues"),
        "seminars": reverse("renewal:seminars"),
        "participations": reverse("renewal:participations"),
        "renewal": reverse("renewal:renewal"),
        "card": reverse("member:card"),
        "credits": reverse("renewal:credits"),
        "credits_pdf": reverse("renewal:credits_pdf"),
        "notices": reverse("member:notices"),
        "receipt_pdf": reverse("member:receipt", args=[paid.pk]),
        "ticket_pdf": reverse("renewal:ticket", args=[ticket.pk]),
        "invoice_pdf": reverse("member:invoice_document_pdf", args=[unpaid.pk]),
        "certificate_pdf": reverse("renewal:certificate", args=[attended.pk]),
    }
    worker.prepare()  # as config.wsgi makes each production worker ready
    client = Client()
    client.force_login(member.user)
    for url in urls.values():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    for name in ("credits_pdf", "receipt_pdf", "ticket_pdf", "invoice_pdf", "certificate_pdf"):
        assert client.get(urls[name]).content.startswith(b"%PDF"), name
    anonymous = Client()
    ratios = ratios_over_anchor(
        getter(anonymous, reverse("member:login")),
        {name: getter(client, url) for name, url in urls.items()},
        runs=RUNS,
    )
    print()
    for name, ratio in ratios.items():
        print(f"BENCH member_page_{name}_vs_login {ratio:.2f} ratio")
    print(f"BENCH member_pages_worst_vs_login {max(ratios.values()):.2f} ratio")

    credits = {**credit_page_data(member, {}), "printed_at": timezone.localtime()}
    certified = Credit.objects.select_related(*CREDIT_RELATED).get(pk=credit.pk)
    receipt = Receipt.objects.get(invoice=paid)  # issued by the page's first download
    document = InvoiceDocument.objects.get(invoice=unpaid)
    ticket = Registration.objects.select_related("session__seminar", "member").get(pk=ticket.pk)
    drawings = ratios_over_anchor(
        getter(anonymous, reverse("member:login")),
        {
            "credits_pdf": lambda: render_pdf("pdf/credits.html", credits, what="受講履歴ポイント"),
            "receipt_pdf": lambda: render_receipt_pdf(receipt),
            "ticket_pdf": lambda: render_ticket_pdf(ticket),
            "invoice_pdf": lambda: render_invoice_document_pdf(document),
            "certificate_pdf": lambda: render_certificate_pdf(certified, issued_on=timezone.localdate()),
        },
        runs=RUNS,
    )
    for name, ratio in drawings.items():
        print(f"BENCH member_pdf_{name}_drawing_vs_login {ratio:.2f} ratio")
