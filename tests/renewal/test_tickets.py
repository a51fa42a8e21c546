"""受講票 (renewal.tickets): the PDF a member downloads and shows at the desk."""

import io

import pytest
import segno
from django.urls import reverse
from PIL import Image, ImageChops
from pypdf import PdfReader
from wagtail.models import Site

from cms_pages.models import SocietySettings
from renewal.checkin_codes import ticket_code
from tests.factories import MemberFactory
from tests.renewal.factories import registered_while_open as registered
from tests.renewal.factories import session_held_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return session_held_today()


def test_the_ticket_pdf_prints_the_society_name_as_staff_last_saved_it(client, session):
    member = MemberFactory()
    registration = registered(member, session)
    client.force_login(member.user)
    url = reverse("renewal:ticket", args=[registration.pk])

    def printed():
        return PdfReader(io.BytesIO(client.get(url).content)).pages[0].extract_text()

    assert "日本消化器内視鏡技師会" in printed()
    settings = SocietySettings.for_site(Site.objects.get(is_default_site=True))
    settings.society_name = "日本テスト技師会"
    settings.save()
    assert "日本テスト技師会" in printed()


def test_the_ticket_pdf_draws_the_qr_code_of_its_code_in_black_and_white(client, session):
    member = MemberFactory()
    registration = registered(member, session)
    client.force_login(member.user)
    response = client.get(reverse("renewal:ticket", args=[registration.pk]))
    [image] = PdfReader(io.BytesIO(response.content)).pages[0].images
    drawn = image.image
    expected = io.BytesIO()
    segno.make(ticket_code(registration.ticket_number), error="m", micro=False).save(
        expected, kind="png", scale=6, border=2
    )
    # Embedded as grey (the smallest image ReportLab keeps as it is), pixel for pixel segno's.
    assert drawn.mode == "L"
    assert ImageChops.difference(drawn, Image.open(expected).convert("L")).getbbox() is None
