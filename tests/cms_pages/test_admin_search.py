"""The admin's search finds a page or document by any part of its Japanese title, as editors
type it: Japanese words are not parted by spaces."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents import get_document_model

from cms_pages.models import NoticeIndexPage, NoticePage
from tests.factories import user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, demo_site):
    return log_in_staff(client, user_in("編集者"))


def test_a_notice_is_found_by_a_word_inside_its_title(editor_client):
    index = NoticeIndexPage.objects.first()
    notice = index.add_child(
        instance=NoticePage(
            title="システムメンテナンスのお知らせ", slug="search-test-notice", date="2026-12-07", body="<p>本文</p>"
        )
    )
    response = editor_client.get(reverse("wagtailadmin_pages:search"), {"q": "メンテナンス"})
    assert response.status_code == 200
    assert notice.title in response.content.decode()
    missing = editor_client.get(reverse("wagtailadmin_pages:search"), {"q": "総会"})
    assert notice.title not in missing.content.decode()


def test_a_document_is_found_by_a_word_inside_its_title(editor_client):
    documents = get_document_model().objects
    document = documents.create(title="第12回理事会議事録", file=ContentFile(b"%PDF-1.4", name="minutes.pdf"))
    other = documents.create(title="会員名簿の様式", file=ContentFile(b"%PDF-1.4", name="form.pdf"))
    response = editor_client.get(reverse("wagtaildocs:index"), {"q": "理事会"})
    assert response.status_code == 200
    assert document.title in response.content.decode() and other.title not in response.content.decode()
