"""BENCH member_pages_worst_vs_login: the slowest members-area page or PDF over the login page.

At 10,000 members with 20 years of history each (tests/bench/history.py, the ``society`` fixture), one member's pages
and PDFs are fetched through the Django test client, the login page anonymously, in the same
run: each round measures the login page and then every page (medians of RUNS each), each
page's ratio is the median over ROUNDS rounds. Prints ``BENCH member_page_<name>_vs_login``
for each, then the worst.
"""

import pytest
from django.test import Client
from django.urls import reverse

from membership.models import Invoice
from renewal.models import Registration
from tests.bench.timing import median_time, ratios_over_anchor

RUNS = 15


@pytest.mark.django_db
def test_member_pages_vs_login(society):
    member, _ = society
    paid = Invoice.objects.filter(member=member, status=Invoice.Status.PAID).order_by("-fiscal_year").first()
    ticket = Registration.objects.filter(member=member, attended_at__isnull=True).get()
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
    }
    client = Client()
    client.force_login(member.user)
    for url in urls.values():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    assert client.get(urls["credits_pdf"]).content.startswith(b"%PDF")
    anonymous = Client()
    ratios = ratios_over_anchor(
        lambda: median_time(anonymous, reverse("member:login"), runs=RUNS),
        {name: (lambda url=url: median_time(client, url, runs=RUNS)) for name, url in urls.items()},
    )
    print()
    for name, ratio in ratios.items():
        print(f"BENCH member_page_{name}_vs_login {ratio:.2f} ratio")
    print(f"BENCH member_pages_worst_vs_login {max(ratios.values()):.2f} ratio")
