"""受付 (check-in at the desk): its settings, and the permission that opens the desk page."""

from django.db import models
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="clipboard-list")
class CheckinSettings(BaseGenericSetting):
    """受付の設定: how the desk page behaves. Its ``check_in`` permission is what the 受付 group
    has (a part-time receptionist sees nothing else of the admin)."""

    class DeskRegistration(models.TextChoices):
        NONE = "none", "受け付けない"
        FREE = "free", "参加費のないセッションのみ"
        DESK_FEE = "desk_fee", "有料のセッションも(参加費は窓口で受け取り、窓口入金として記録)"

    attend_on_scan = models.BooleanField(
        "読み取ったらすぐ参加済にする",
        default=False,
        help_text="オフにすると、読み取った方の氏名などを確認してから「参加済にする」を押します。",
    )
    desk_registration = models.CharField(
        "申込のない会員の当日申込",
        max_length=20,
        choices=DeskRegistration.choices,
        default=DeskRegistration.FREE,
        help_text="会員証を読み取った方に参加申込がないとき、受付でその場で申し込めるか。定員・受講者区分は申込と同じく確かめます。",
    )

    class Meta:
        verbose_name = "受付の設定"
        permissions = [("check_in", "受付で参加を確認する")]
