"""Form errors and help are tied to their fields for screen readers on the members' forms: the
ids an input names in aria-describedby exist, an invalid field is described by its message, a
radio group is a fieldset named by its legend, and no table header is empty (issue 13, item 3)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from membership import applications
from tests.a11y import form_problems, invalid_fields
from tests.membership.test_profile import form_data

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def test_login_errors_are_tied_to_both_fields(client):
    html = client.post(reverse("member:login"), {"username": "", "password": ""}).content.decode()
    assert len(invalid_fields(html)) == 2
    assert form_problems(html) == []
    assert 'aria-describedby="id_username_helptext id_username_error"' in html  # help, then the error
    assert '<p class="error" id="id_username_error">' in html


def test_a_field_with_help_and_an_error_is_described_by_both(member_client):
    html = member_client.post(reverse("member:password_change"), {"new_password1": ""}).content.decode()
    assert invalid_fields(html)
    assert form_problems(html) == []


@pytest.mark.parametrize("url_name", ["member:application_leave", "member:application_withdrawal"])
def test_application_errors_are_tied_to_their_fields(member_client, url_name):
    html = member_client.post(reverse(url_name), {"effective_on": ""}).content.decode()
    assert len(invalid_fields(html)) >= 2
    assert form_problems(html) == []


def test_the_withdrawal_agreement_is_described_by_its_error(member_client):
    html = member_client.post(reverse("member:application_withdrawal"), {"reason": "転居"}).content.decode()
    assert 'aria-describedby="id_agree_error"' in html
    assert '<p class="error" id="id_agree_error">資格喪失について確認のうえ' in html
    assert form_problems(html) == []


def test_the_application_history_names_its_action_column(member_client, member):
    application = applications.submit_application(
        member=member, kind="leave", leave_reason="childcare", effective_on=days(10)
    )
    html = member_client.get(reverse("member:application_leave")).content.decode()
    assert "取下げ" in html
    assert '<th><span class="visually-hidden">操作</span></th>' in html
    assert form_problems(html) == []
    applications.cancel_application(member=member, application_id=application.pk)
    assert form_problems(member_client.get(reverse("member:application_leave")).content.decode()) == []


def test_the_profile_forms_radio_group_is_a_fieldset_with_its_errors(member_client, member):
    html = member_client.post(
        reverse("member:profile_edit"), form_data(member, family_name="", mailing_address="")
    ).content.decode()
    assert "<legend>郵送先</legend>" in html
    assert 'fieldset class="field field-error" aria-describedby="id_mailing_address_error"' in html
    assert 'for=""' not in html
    assert form_problems(html) == []
