"""Template context that every page may need from the members-area shell."""

from django.utils.functional import SimpleLazyObject

from .shell import sees_members_area


def members_frame(request):
    """``members_frame``: true when the page is shown inside the members-area frame
    (``membership.shell.sees_members_area``). Wagtail page templates shared with the public site
    extend ``members_frame|yesno:"members_area.html,base.html"``. Lazy: a page that does not
    ask costs no query."""
    return {"members_frame": SimpleLazyObject(lambda: sees_members_area(request.user))}
