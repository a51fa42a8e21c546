"""Documents for members only: the collection 会員限定 (migration cms_pages 0008) is behind the
"logged-in users" restriction; visitors are sent to the login page and guests refused."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.models import Collection

from tests.factories import MemberFactory, guest_member, user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def document_in(collection, name):
    document = Document(title=name, collection=collection)
    document.file.save(f"{name}.pdf", ContentFile(PDF), save=False)
    document.save()
    return document


@pytest.fixture
def members_only(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return Collection.objects.get(name="会員限定")


def test_a_members_only_document_sends_visitors_to_the_login_page(client, members_only):
    document = document_in(members_only, "kaiin")

    response = client.get(document.url)

    assert response.status_code == 302
    assert response["Location"].startswith("/member/login?next=")


def test_a_members_only_document_is_refused_to_a_guest(client, members_only):
    document = document_in(members_only, "kaiin")
    client.force_login(guest_member("G0000091").user)

    assert client.get(document.url).status_code == 403


def test_a_member_opens_a_members_only_document(client, members_only):
    document = document_in(members_only, "kaiin")
    client.force_login(MemberFactory().user)

    response = client.get(document.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_a_document_in_the_root_collection_stays_public(client, members_only):
    document = document_in(Collection.get_first_root_node(), "public")

    assert client.get(document.url).status_code == 200


def test_the_editor_may_upload_into_the_members_only_collection(client, members_only):
    log_in_staff(client, user_in("編集者"))

    body = client.get("/admin/documents/multiple/add/").content.decode()

    assert f'value="{members_only.pk}"' in body
    assert "会員限定" in body
