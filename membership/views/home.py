"""The dashboard (its panels come from the shell's registry), the notices (guide 10) and the way
to the inquiry form (guide 16)."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from cms_pages.models import NoticePage, SocietySettings, help_pages, mark_members_only

from ..shell import dashboard_notices, dashboard_panels, members_area


@members_area(guests=True)
def dashboard(request):
    """Where the member stands: the notices that call to act, then every app's panels
    (certification, points, unpaid invoices, seminars, applications, notices)."""
    return render(
        request,
        "membership/dashboard.html",
        {"notices": dashboard_notices(request), "panels": dashboard_panels(request)},
    )


@members_area(guests=True)
def notices(request):
    """お知らせ一覧 (guide 10): public and members-only notices, newest first, 10 a page."""
    # A guest (non-member) is logged in but reads only the public notices.
    guest = request.user.kind == request.user.Kind.GUEST
    notices = NoticePage.objects.for_anyone() if guest else NoticePage.objects.visible_to_members()
    page = Paginator(notices.order_by("-date", "-pk"), 10).get_page(request.GET.get("page"))
    page.object_list = mark_members_only(list(page.object_list))
    return render(request, "membership/notices.html", {"page_obj": page})


@members_area(guests=True)
def inquiry(request):
    """お問い合わせ (guide 16): the inquiry form on the public site, or the secretariat's
    address while no form is published."""
    site_settings = SocietySettings.for_request_or_default(request)
    _, inquiry_page = help_pages(site_settings)
    if inquiry_page is not None:
        return redirect(inquiry_page.get_url(request))
    return render(request, "membership/inquiry.html", {"contact_email": site_settings.contact_email})
