"""The seminar search forms and the application form tie their help and errors to their fields
for screen readers (issue 13, item 3); tests/a11y.py says what is checked."""

import pytest
from django.urls import reverse

from tests.a11y import form_problems, invalid_fields
from tests.renewal.factories import SeminarFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_the_participation_lists_checkbox_is_described_by_its_help(member_client):
    html = member_client.get(reverse("renewal:participations")).content.decode()
    assert 'aria-describedby="id_include_attended_helptext"' in html
    assert 'id="id_include_attended_helptext"' in html
    assert form_problems(html) == []


@pytest.mark.parametrize("url_name", ["renewal:seminars", "renewal:participations"])
def test_a_wrong_date_in_the_search_is_described_by_its_error(member_client, url_name):
    html = member_client.get(reverse(url_name), {"date_from": "2026-13-45", "per_page": "7"}).content.decode()
    assert len(invalid_fields(html)) == 2
    assert '<p class="error" id="id_date_from_error">' in html
    assert '<p class="error" id="id_per_page_error">' in html
    assert form_problems(html) == []


def test_the_participation_format_is_a_fieldset_described_by_its_error(member_client):
    session = SessionFactory(seminar=SeminarFactory(onsite=True, elearning=True))
    url = reverse("renewal:registration_new", args=[session.pk])
    html = member_client.get(url).content.decode()
    assert "<legend>参加形態</legend>" in html
    assert 'for=""' not in html
    html = member_client.post(url, {"participation_format": ""}).content.decode()
    assert 'fieldset class="field field-error" aria-describedby="id_participation_format_error"' in html
    assert "参加形態を選択してください。" in html
    assert len(invalid_fields(html)) == 2  # both radio buttons
    assert form_problems(html) == []
