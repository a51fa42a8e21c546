"""ログインロック: the secretariat's list of current login lockouts and slowed-down accounts,
with an unlock action (``membership.lockouts.unlock_account``, which writes the history entry
with the acting staff user)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import LogFormatter

from ..lockouts import UNLOCK_ACTION, LockoutError, current_lockouts, unlock_account
from ..models import User

# Whoever may change members (事務局) may unlock their logins.
UNLOCK_PERMISSION = "membership.change_member"


class LockoutClearedLogFormatter(LogFormatter):
    label = "ログインロックの解除"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        addresses = "、".join(data.get("ip_addresses") or []) or "-"
        return f"ログインロックを解除しました(ログインID {data.get('username', '')}、送信元 {addresses})"


class PasswordResetLogFormatter(LogFormatter):
    label = "パスワード再設定"

    def format_message(self, log_entry):
        cleared = (log_entry.data or {}).get("lockouts_cleared")
        return "メールのリンクからパスワードを再設定しました" + ("(ログインロックを解除)" if cleared else "")


class LockoutListView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "membership/admin/lockouts.html"
    page_title = "ログインロック"
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(UNLOCK_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lockouts = current_lockouts()
        accounts = {
            user.username: user
            for user in User.objects.filter(username__in={lock.username for lock in lockouts}).select_related("member")
        }
        context.update(
            rows=[(lock, accounts.get(lock.username)) for lock in lockouts],
            failure_limit=settings.AXES_FAILURE_LIMIT,
            cooloff_minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            slowdown_after=settings.LOGIN_SLOWDOWN_AFTER,
            slowdown_seconds=settings.LOGIN_SLOWDOWN_SECONDS,
        )
        return context

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        try:
            unlock_account(username=username, user=request.user)
        except LockoutError as refusal:
            messages.warning(request, str(refusal))
        else:
            messages.success(request, f"ログインID {username} のログインロックを解除しました。")
        return redirect("lockouts_admin:list")


LOG_ACTIONS = {UNLOCK_ACTION: LockoutClearedLogFormatter}

urlpatterns = [path("", LockoutListView.as_view(), name="list")]
