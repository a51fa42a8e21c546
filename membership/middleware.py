"""The admin is closed to a staff session without a verified second factor (``membership.two_factor``)."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .two_factor import is_enrolled, needs_two_factor


class StaffTwoFactorMiddleware:
    """Every URL under the Wagtail admin, except its login and logout, needs a session verified
    with the authenticator app (or a recovery code). Without one, staff go to enrolment (no
    device yet) or to the code page. Put after django-otp's ``OTPMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._needs_code(request):
            target = "two_factor:verify" if is_enrolled(request.user) else "two_factor:setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _needs_code(request):
        path = request.path_info
        if not path.startswith(reverse("wagtailadmin_home")):
            return False
        if path in (reverse("wagtailadmin_login"), reverse("wagtailadmin_logout")):
            return False
        user = request.user
        return needs_two_factor(user) and not user.is_verified()
