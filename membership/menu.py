"""This app's entries in the members-area menu and dashboard."""

from django.conf import settings
from django.urls import reverse

from .shell import DashboardNotice, dashboard_notice, register_menu_entry

register_menu_entry("ダッシュボード", "member:dashboard", order=0)
register_menu_entry("会員詳細", "member:profile", order=10, active_for=["member:profile_edit"])
register_menu_entry("お知らせ一覧", "member:notices", order=100)
register_menu_entry("パスワード変更", "member:password_change", order=900)


@dashboard_notice
def password_age_notice(request):
    if request.user.password_is_old:
        yield DashboardNotice(
            message=(
                f"パスワードの変更から{settings.PASSWORD_MAX_AGE_DAYS}日以上経過しています。"
                "個人情報保護のため、パスワードの変更をお願いします。"
            ),
            url=reverse("member:password_change"),
            level="warning",
        )
