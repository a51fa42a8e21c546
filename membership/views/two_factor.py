"""Staff two-factor login (``membership.two_factor``): enrolment of the authenticator app at
the first login (QR code, then recovery codes shown once), the code asked at every login, and
new recovery codes. The admin itself is closed until then (``membership.middleware``)."""

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from .. import two_factor
from ..two_factor import TwoFactorError


class CodeForm(forms.Form):
    code = forms.CharField(
        label="確認コード",
        max_length=32,
        help_text="認証アプリに表示される6桁の数字。スマートフォンが使えないときはリカバリーコード(英小文字と数字の8文字)",
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"}
        ),
    )


def _next_url(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("wagtailadmin_home")


def _with_next(url_name, next_url):
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def staff_only(view):
    """Logged-in staff only; members never see these pages (they are not asked for a second factor)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not two_factor.needs_two_factor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _log_in_with(request, device):
    request.session.cycle_key()  # a new session id once the second factor is given
    otp_login(request, device)


@staff_only
@require_http_methods(["GET", "POST"])
def setup(request):
    """First login: the QR code for the authenticator app, then its first code confirms it."""
    user = request.user
    if two_factor.is_enrolled(user):
        return redirect(_with_next("two_factor:verify", _next_url(request)))
    device = two_factor.pending_totp_device(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.confirm_enrolment(user=user, token=form.cleaned_data["code"])
        except TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            _log_in_with(request, device)
            return render(
                request,
                "membership/two_factor_recovery_codes.html",
                {"codes": codes, "next_url": _next_url(request), "first_time": True},
            )
    return render(
        request,
        "membership/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(device),
            "secret": two_factor.secret_text(device),
            "next_url": _next_url(request),
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def verify(request):
    """Every login: the code from the app (or one recovery code)."""
    user = request.user
    if not two_factor.is_enrolled(user):
        return redirect(_with_next("two_factor:setup", _next_url(request)))
    if user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify(user=user, token=form.cleaned_data["code"])
        except TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            _log_in_with(request, device)
            return redirect(_next_url(request))
    return render(request, "membership/two_factor_verify.html", {"form": form, "next_url": _next_url(request)})


@staff_only
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """How many recovery codes are left; new ones (the old stop working) after a verified login."""
    user = request.user
    if not user.is_verified():
        return redirect(_with_next("two_factor:verify", request.path))
    if request.method == "POST":
        codes = two_factor.renew_recovery_codes(user=user)
        return render(
            request,
            "membership/two_factor_recovery_codes.html",
            {"codes": codes, "next_url": reverse("wagtailadmin_home"), "first_time": False},
        )
    return render(
        request,
        "membership/two_factor_recovery_status.html",
        {"remaining": two_factor.remaining_recovery_codes(user)},
    )
