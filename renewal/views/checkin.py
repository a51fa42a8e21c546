"""受付 (check-in desk) pages in the admin, for a phone or a tablet: today's sessions, one
session's desk (camera or typed code, counts, those not arrived yet), and the scan endpoint the
desk's script posts one code to (JSON). Every view needs the ``renewal.check_in`` permission (the
受付 group); Wagtail's ``require_admin_access`` (``register_admin_urls``) keeps out the rest.
The scan endpoint is routed before the admin's URLs (``config.urls``), without that wrapper: a
desk posts many codes a second, and the wrapper's per-request cost (the user's admin language
and time zone) is not the scan's. It checks the same itself: a session (else the admin's login),
admin access and 受付 (``checkin.can_check_in``); its path is under the admin's, so the
two-factor middleware asks for the verified second factor as on every admin page.
The rules are in ``renewal.checkin``."""

from dataclasses import asdict

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin.auth import reject_request
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import LogContext

from .. import checkin
from ..models import CheckinSettings, Session


class CheckinPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not checkin.can_check_in(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SessionsView(CheckinPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """受付: the sessions held today, each with its counts."""

    template_name = "renewal/checkin/sessions.html"
    page_title = "受付"
    header_icon = "clipboard-list"
    # The header names the page (Wagtail's default breadcrumb alone read 「ホーム」); no link to the
    # admin's home, which holds nothing for a receptionist.
    breadcrumbs_items = [{"url": "", "label": "受付"}]

    def get_context_data(self, **kwargs):
        return super().get_context_data(sessions=checkin.todays_sessions(), today=timezone.localdate(), **kwargs)


class DeskView(CheckinPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """One session's desk: the camera and typed code, the counts and those not arrived yet."""

    template_name = "renewal/checkin/desk.html"
    page_title = "受付"
    header_icon = "clipboard-list"

    def get_breadcrumbs_items(self):
        return [{"url": reverse("checkin:sessions"), "label": "受付"}, {"url": "", "label": str(self.session)}]

    def get_context_data(self, **kwargs):
        self.session = get_object_or_404(Session.objects.select_related("seminar"), pk=self.kwargs["session_id"])
        return super().get_context_data(
            session=self.session,
            counts=checkin.desk_counts(self.session),
            not_arrived=checkin.not_arrived(self.session),
            attend_on_scan=CheckinSettings.load(request_or_site=self.request).attend_on_scan,
            scan_url=reverse("checkin_scan", args=[self.session.pk]),
            held_today=self.session.date == timezone.localdate(),
            **kwargs,
        )


@never_cache
@require_POST
def scan(request, session_id):
    """One code (``code``) and what to do (``action``); answers the outcome and the counts."""
    if request.user.is_anonymous:
        return reject_request(request)  # as the admin does: its login page (the desk keeps the code)
    if not checkin.can_check_in(request.user):
        raise PermissionDenied
    session = get_object_or_404(Session.objects.select_related("seminar"), pk=session_id)
    action = request.POST.get("action", "")
    if action not in checkin.ACTIONS:
        return JsonResponse({"status": checkin.REFUSED, "message": "操作が正しくありません。"}, status=400)
    with LogContext(user=request.user):
        outcome = checkin.scan(
            session=session, text=request.POST.get("code", "")[:500], action=action, user=request.user
        )
    return JsonResponse({**asdict(outcome), "counts": checkin.desk_counts(session)})
