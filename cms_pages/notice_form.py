"""The notice editor's form: a 会員限定 notice may not link a document that anyone can open."""

from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.documents import get_document_model
from wagtail.models import CollectionViewRestriction
from wagtail.rich_text.rewriters import FIND_A_TAG, extract_attrs


def linked_document_ids(html):
    """The ids of the documents a rich text's links lead to."""
    ids = []
    for match in FIND_A_TAG.finditer(html or ""):
        attrs = extract_attrs(match.group(1))
        if attrs.get("linktype") == "document" and attrs.get("id", "").isdigit():
            ids.append(int(attrs["id"]))
    return ids


def public_documents(ids):
    """Of the documents ``ids``, those whose collection (or an ancestor's) has no "logged-in
    users" restriction: anyone with the link opens them."""
    documents = get_document_model().objects.filter(pk__in=ids).select_related("collection")
    public = []
    for document in documents:
        restrictions = document.collection.get_view_restrictions()
        if not any(r.restriction_type == CollectionViewRestriction.LOGIN for r in restrictions):
            public.append(document)
    return public


class NoticePageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("members_only"):
            public = public_documents(linked_document_ids(cleaned_data.get("body")))
            if public:
                titles = "、".join(f"「{document.title}」" for document in public)
                self.add_error(
                    "body",
                    f"会員限定のお知らせに、誰でも開ける文書{titles}へのリンクがあります。"
                    "「ドキュメント」でその文書を編集し、コレクションを「会員限定」に変えてから保存してください。",
                )
        return cleaned_data
