"""Login, the lockout page, and the member's password: change, the old-password reminder,
and the reset by mail (guide 1, 2)."""

import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.db.models import Max
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods

from cms_pages.models import SocietySettings, help_pages

from ..accounts import axes_username, change_password
from ..forms import LoginForm, PasswordChangeForm, PasswordResetRequestForm, SetPasswordForm
from ..password_reset import PasswordResetRefused, complete_password_reset, request_password_reset
from ..shell import members_area


class LoginView(auth_views.LoginView):
    template_name = "membership/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        user = self.request.user
        if user.kind == user.Kind.STAFF:
            return reverse("wagtailadmin_home")
        next_url = super().get_success_url()
        if user.password_is_old:
            return f"{reverse('member:password_reminder')}?{urlencode({'next': next_url})}"
        return next_url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["qa_page"], context["inquiry_page"] = help_pages(SocietySettings.for_request_or_default(self.request))
        return context


class LogoutView(auth_views.LogoutView):
    """ログアウト: back to the login page, which says so (the member sees it worked)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.url == reverse("member:login"):  # not where a ``next`` sent it: said there, at once
            messages.success(request, "ログアウトしました。")
        return response


def lockout(request, response=None, credentials=None):
    """django-axes lockout: the login page again, saying until when (Asia/Tokyo) to wait: this
    account from this address is locked, or the account is being slowed down
    (``membership/lockouts.py``)."""
    username = axes_username(request, credentials)
    form = LoginForm(request, initial={"username": username})
    wait = getattr(request, "login_wait_seconds", None)
    if wait:
        retry_at = timezone.localtime(timezone.now() + datetime.timedelta(seconds=wait))
        message = (
            "このアカウントへのログインの失敗が続いているため、ログインの間隔を制限しています。"
            f"{wait}秒ほど待ってからもう一度お試しください。"
        )
    else:
        ip_address = getattr(request, "axes_ip_address", None)
        last_failure = AccessAttempt.objects.filter(username=username, ip_address=ip_address).aggregate(
            last=Max("attempt_time")
        )["last"]
        retry_at = timezone.localtime((last_failure or timezone.now()) + settings.AXES_COOLOFF_TIME)
        message = (
            f"ログインに{settings.AXES_FAILURE_LIMIT}回続けて失敗したため、一時的にログインできなくなっています。"
            f"{retry_at:%Y年%m月%d日 %H:%M} 以降にもう一度お試しください。"
            "パスワードを再設定すると、すぐにログインできるようになります。"
        )
    return render(
        request,
        "membership/login.html",
        {"form": form, "lockout_message": message, "retry_at": retry_at},
        status=429,
    )


@members_area(guests=True)
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        change_password(user=request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, "パスワードを変更しました。")
        return redirect("member:dashboard")
    return render(request, "membership/password_change.html", {"form": form})


@members_area(guests=True)
def password_reminder(request):
    """Shown after login when the password is old: change it now (OK) or skip."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("member:dashboard")
    return render(
        request,
        "membership/password_reminder.html",
        {"next_url": next_url, "max_age_days": settings.PASSWORD_MAX_AGE_DAYS},
    )


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """The same answer whether or not the number and the address belong together; the mail goes
    only where they do."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip_address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
        try:
            request_password_reset(
                login_id=form.cleaned_data["username"], email=form.cleaned_data["email"], ip_address=ip_address
            )
        except PasswordResetRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            request.session["password_reset_email"] = form.cleaned_data["email"]
            return redirect("member:password_reset_sent")
    return render(request, "membership/password_reset.html", {"form": form})


def password_reset_sent(request):
    return render(
        request,
        "membership/password_reset_sent.html",
        {"email": request.session.pop("password_reset_email", "")},
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "membership/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("member:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form):
        complete_password_reset(user=form.user, new_password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.get_success_url())


def password_reset_complete(request):
    return render(request, "membership/password_reset_complete.html")
