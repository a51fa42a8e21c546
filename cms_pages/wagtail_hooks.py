"""Admin set-up of the public site: who may read form submissions (the inquiries).

Wagtail lets everyone who may edit a form page read its submissions. Inquiries carry personal
data, so here reading them is a permission of its own, ``wagtailforms.view_formsubmission``,
which the 事務局 group has (migration cms_pages 0003) and the 編集者 group, who edit pages,
has not. Wagtail's list of forms also asks for a page permission; the secretariat has none,
so that list is replaced by one that asks for the submission permission instead.

Also here: members-only pages and documents are refused to guests (non-members who log in).
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.cache import add_never_cache_headers
from wagtail import hooks
from wagtail.contrib.forms.utils import get_form_types
from wagtail.contrib.forms.views import FormPagesListView
from wagtail.models import CollectionViewRestriction, Page, PageViewRestriction

VIEW_SUBMISSIONS = "wagtailforms.view_formsubmission"
# The account kind of non-members (membership's User.Kind.GUEST; cms_pages imports nothing of ours).
GUEST_KIND = "guest"


@hooks.register("filter_form_submissions_for_user")
def submissions_need_their_own_permission(user, editable_forms):
    if not user.has_perm(VIEW_SUBMISSIONS):
        return editable_forms.none()
    return Page.objects.filter(content_type__in=get_form_types())


class SubmissionFormPagesListView(FormPagesListView):
    """Wagtail's list of form pages, open to whoever may read submissions."""

    any_permission_required = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_SUBMISSIONS):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


@hooks.register("register_admin_urls", order=-1)  # before wagtail.contrib.forms' own "forms/" URLs
def register_form_list_urls():
    return [
        path("forms/", SubmissionFormPagesListView.as_view(), name="inquiry_forms_index"),
        path(
            "forms/results/",
            SubmissionFormPagesListView.as_view(results_only=True),
            name="inquiry_forms_index_results",
        ),
    ]


@hooks.register("before_serve_page")
def members_only_pages_need_a_member(page, request, serve_args, serve_kwargs):
    """Members-only pages use Wagtail's "logged-in users" restriction; a guest account
    (a non-member who signed up for seminars) is logged in but is not a member.

    A notice marked 会員限定 is refused to anyone but a member on its field as well, whether or
    not its restriction is there (it always is: ``NoticePage.save`` creates it with the row).
    """
    user = request.user
    guest = getattr(user, "kind", None) == GUEST_KIND
    if user.is_authenticated and not guest:
        return None
    if getattr(page, "members_only", False) is True:
        if guest:
            raise PermissionDenied
        response = redirect_to_login(request.get_full_path(), settings.WAGTAIL_FRONTEND_LOGIN_URL)
        add_never_cache_headers(response)
        return response
    if guest and any(r.restriction_type == PageViewRestriction.LOGIN for r in page.get_view_restrictions()):
        raise PermissionDenied
    return None


@hooks.register("before_serve_document")
def members_only_documents_need_a_member(document, request):
    """A document in a collection behind the "logged-in users" restriction (会員限定, migration
    0008): Wagtail's own check sends visitors to the login page but lets any logged-in account
    through; a guest is logged in but is not a member."""
    user = request.user
    if not user.is_authenticated or getattr(user, "kind", None) != GUEST_KIND:
        return None
    restrictions = document.collection.get_view_restrictions()
    if any(r.restriction_type == CollectionViewRestriction.LOGIN for r in restrictions):
        raise PermissionDenied
    return None
