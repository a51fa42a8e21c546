"""The seminar search forms and the application form tie their help and errors to their fields
for screen readers (issue 13, item 3); tests/a11y.py says what is checked."""

import pytest
from django.urls import reverse

from renewal.models import ExtensionApplication, ExtensionProgramme
from tests.a11y import form_problems, invalid_fields
from tests.factories import MemberFactory
from tests.renewal.factories import SeminarFactory, SessionFactory, days

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


def programme(name, **kwargs):
    return ExtensionProgramme.objects.create(
        name=name,
        expires_from=days(0),
        expires_until=days(365),
        applications_close_on=days(30),
        **kwargs,
    )


def test_an_empty_extension_reason_is_told_at_its_field_in_its_own_programmes_form(client):
    member = MemberFactory(certification_expires_on=days(90))
    first, second = programme("令和8年豪雨に伴う更新延長措置"), programme("令和8年地震に伴う更新延長措置")
    client.force_login(member.user)
    html = client.get(reverse("renewal:extension")).content.decode()
    assert f'<label for="id_extension_{first.pk}_reason">申請理由</label>' in html
    assert f'<label for="id_extension_{second.pk}_reason">申請理由</label>' in html
    assert form_problems(html) == []

    html = client.post(reverse("renewal:extension"), {"programme": second.pk, "reason": "  "}).content.decode()
    assert invalid_fields(html) == [f"<textarea id='id_extension_{second.pk}_reason' name='reason'>"]
    assert f'<p class="error" id="id_extension_{second.pk}_reason_error">申請理由を入力してください。</p>' in html
    assert form_problems(html) == []
    assert not ExtensionApplication.objects.exists()

    client.post(reverse("renewal:extension"), {"programme": second.pk, "reason": "自宅が被災したため"})
    assert ExtensionApplication.objects.get().programme == second
    html = client.post(reverse("renewal:extension"), {"programme": second.pk, "reason": "再申請"}).content.decode()
    assert "この更新延長措置にはすでに申請しています。" in html
    assert ExtensionApplication.objects.count() == 1
