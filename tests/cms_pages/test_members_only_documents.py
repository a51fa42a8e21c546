"""Documents for members only: the collection 会員限定 (migration cms_pages 0008) is behind the
"logged-in users" restriction; visitors are sent to the login page and guests refused. A 会員限定
notice may not link a document that anyone can open (cms_pages/notice_form.py)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.models import Collection
from wagtail.test.utils.form_data import nested_form_data, rich_text

from cms_pages.models import NoticePage
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


def publish_notice(client, index, document, members_only):
    data = {
        "title": "理事会資料のご案内",
        "slug": "board-papers",
        "date": "2026-12-07",
        "body": rich_text(f'<p><a linktype="document" id="{document.pk}">理事会資料</a></p>'),
        "action-publish": "action-publish",
    }
    if members_only:
        data["members_only"] = "on"
    url = reverse("wagtailadmin_pages:add", args=["cms_pages", "noticepage", index.pk])
    return client.post(url, nested_form_data(data))


def test_a_members_only_notice_may_not_link_a_public_document(client, demo_site, members_only):
    document = document_in(Collection.get_first_root_node(), "board")
    log_in_staff(client, user_in("編集者"))

    response = publish_notice(client, demo_site["notices"], document, members_only=True)

    assert response.status_code == 200
    assert "誰でも開ける文書「board」へのリンクがあります" in response.content.decode()
    assert not NoticePage.objects.filter(slug="board-papers").exists()


def test_a_members_only_notice_links_a_members_only_document(client, demo_site, members_only):
    document = document_in(members_only, "board")
    log_in_staff(client, user_in("編集者"))

    response = publish_notice(client, demo_site["notices"], document, members_only=True)

    assert response.status_code == 302
    assert NoticePage.objects.get(slug="board-papers").live


def test_a_public_notice_links_a_public_document(client, demo_site, members_only):
    document = document_in(Collection.get_first_root_node(), "board")
    log_in_staff(client, user_in("編集者"))

    assert publish_notice(client, demo_site["notices"], document, members_only=False).status_code == 302
