"""The inquiry form's errors are tied to their fields for screen readers (issue 13, item 3)."""

import pytest

from cms_pages.models import InquiryPage
from tests.a11y import form_problems, invalid_fields

pytestmark = pytest.mark.django_db


def test_inquiry_errors_are_tied_to_their_fields(client, demo_site):
    html = client.post(InquiryPage.objects.get().url, {}).content.decode()
    assert len(invalid_fields(html)) >= 3
    assert form_problems(html) == []
