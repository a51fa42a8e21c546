"""Seminars, registrations, credits and the rules that turn credits into renewal eligibility.

DESIGN.md 5. A seminar (学会・セミナー) has sessions (セッション); a member registers
(参加申込) for a session; attending it (参加済) earns a credit (受講履歴) of the session's
points in its credit category (更新条件集計種別). A renewal needs ``RenewalSettings.required_points``
inside the certification cycle, each category counting at most its cap (総得点加算上限).
Caps, categories, lecture kinds and the required points are data staff edit, not constants.
"""

from django.db import models
from django.db.models import Q
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import Site

from core.cached_rows import CachedRows
from membership.models import Invoice, Member


@register_setting(icon="tasks")
class RenewalSettings(BaseGenericSetting):
    """資格更新の条件: editable by the secretariat in the admin's settings."""

    required_points = models.PositiveIntegerField("更新に必要な総得点", default=50)
    cycle_years = models.PositiveIntegerField("更新周期(年)", default=5)
    renewal_fee = models.PositiveIntegerField("更新料(円)", default=10000)
    application_window_months = models.PositiveIntegerField(
        "申請受付期間(月)", default=12, help_text="有効期限の何か月前から資格更新申請を受け付けるか。"
    )
    waitlist_offer_hours = models.PositiveIntegerField(
        "キャンセル待ちの回答期限(時間)",
        default=48,
        help_text="空いた席をキャンセル待ちの方に案内してから、申込の回答を待つ時間です。",
    )
    unpaid_hold_days = models.PositiveIntegerField(
        "未払いの参加申込が席を確保する日数",
        default=7,
        help_text="キャンセル待ちのあるセッションで、参加費が未払いのまま申込からこの日数を過ぎた申込は取り消され、"
        "席はキャンセル待ちの方に案内されます。0なら取り消しません。",
    )

    class Meta:
        verbose_name = "資格更新の条件"

    @classmethod
    def load(cls, request_or_site=None):
        """For a request (what a page shows: the dashboard, the points), from the cache
        (``core.cached_rows``); without one (a service applying the rules), the row itself."""
        if request_or_site is None or isinstance(request_or_site, Site):
            return super().load(request_or_site)
        attr_name = cls.get_cache_attr_name()
        if not hasattr(request_or_site, attr_name):
            setattr(request_or_site, attr_name, _RENEWAL_SETTINGS.get(cls._get_or_create))
        return getattr(request_or_site, attr_name)


_RENEWAL_SETTINGS = CachedRows("renewal-settings", models=[RenewalSettings])


class CreditCategory(models.Model):
    """更新条件集計種別, e.g. 技師学会・研究会 (cap 20), 機器講習会 (cap 10), 医学・その他セミナー (cap 20)."""

    name = models.CharField("更新条件集計種別", max_length=50, unique=True)
    cap = models.PositiveIntegerField("総得点加算上限", help_text="この種別で総得点に加算できる点数の上限です。")
    sort_order = models.PositiveIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "更新条件集計種別"
        verbose_name_plural = "更新条件集計種別"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name

    @classmethod
    def in_order(cls, request=None):
        """The categories in display order: for a page (``request`` given), from the cache
        (``core.cached_rows``); without one (a service applying the rules), the rows themselves."""
        if request is None:
            return list(cls.objects.order_by("sort_order", "pk"))
        return _CREDIT_CATEGORIES.get(lambda: list(cls.objects.order_by("sort_order", "pk")))


_CREDIT_CATEGORIES = CachedRows("credit-categories", models=[CreditCategory])


class LectureKind(models.Model):
    """A kind of lecture as a session names it (医学講義, その他講義, ...), mapped onto a credit category."""

    name = models.CharField("講義区分", max_length=50, unique=True)
    credit_category = models.ForeignKey(
        CreditCategory, on_delete=models.PROTECT, related_name="lecture_kinds", verbose_name="更新条件集計種別"
    )

    class Meta:
        verbose_name = "講義区分"
        verbose_name_plural = "講義区分"
        ordering = ["credit_category__sort_order", "name"]

    def __str__(self):
        return f"{self.name}({self.credit_category})"


class Seminar(ClusterableModel):
    """学会・セミナー: what a member sees in the list, with its application period and dates.

    Clusterable so that the admin edits a seminar and its sessions on one form (InlinePanel).
    """

    title = models.CharField("学会・セミナー名", max_length=200)
    organizer = models.CharField("主催者", max_length=200, blank=True)
    venue = models.CharField("開催場所", max_length=200, blank=True)
    starts_on = models.DateField("開催期間(開始日)")
    ends_on = models.DateField("開催期間(終了日)")
    application_opens_on = models.DateField("申込期間(開始日)")
    application_closes_on = models.DateField("申込期間(終了日)")
    onsite = models.BooleanField("会場開催", default=True)
    elearning = models.BooleanField("eラーニング", default=False)
    description = models.TextField("案内", blank=True)
    published = models.BooleanField("公開", default=True, help_text="チェックを外すと会員の一覧に表示されません。")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "学会・セミナー"
        verbose_name_plural = "学会・セミナー"
        ordering = ["-starts_on", "pk"]
        indexes = [
            models.Index(fields=["published", "application_closes_on", "application_opens_on"]),
            models.Index(fields=["starts_on"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="seminar_dates_in_order"),
            models.CheckConstraint(
                condition=Q(application_closes_on__gte=models.F("application_opens_on")),
                name="seminar_application_period_in_order",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def formats_display(self):
        """開催形態: 会場, eラーニング or both, as the guide's lists show it."""
        return ",".join(label for on, label in ((self.onsite, "会場"), (self.elearning, "eラーニング")) if on)

    def accepts_applications_on(self, day):
        return self.published and self.application_opens_on <= day <= self.application_closes_on


class Session(models.Model):
    """セッション: the unit a member registers for, attends and earns points from."""

    class Requirement(models.TextChoices):
        REQUIRED = "required", "必須"
        OPTIONAL = "optional", "選択"

    # A ParentalKey (a ForeignKey for queries) so that the admin edits sessions inline.
    seminar = ParentalKey(Seminar, on_delete=models.CASCADE, related_name="sessions", verbose_name="学会・セミナー")
    title = models.CharField("セッション", max_length=200)
    points = models.PositiveIntegerField("点数")
    credit_category = models.ForeignKey(
        CreditCategory, on_delete=models.PROTECT, related_name="sessions", verbose_name="更新条件集計種別"
    )
    lecture_kind = models.ForeignKey(
        LectureKind, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions", verbose_name="講義区分"
    )
    requirement = models.CharField(
        "必須・選択", max_length=10, choices=Requirement.choices, default=Requirement.OPTIONAL
    )
    members_allowed = models.BooleanField("会員の受講", default=True)
    guests_allowed = models.BooleanField("非会員の受講", default=False)
    fee_member = models.PositiveIntegerField("参加費・会員(円)", default=0)
    fee_guest = models.PositiveIntegerField("参加費・非会員(円)", default=0)
    capacity = models.PositiveIntegerField("定員", null=True, blank=True, help_text="空欄なら定員なし。")
    held_on = models.DateField("開催日", null=True, blank=True, help_text="空欄なら学会・セミナーの開始日。")
    sort_order = models.PositiveIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "セッション"
        verbose_name_plural = "セッション"
        ordering = ["seminar", "sort_order", "pk"]

    def __str__(self):
        return f"{self.seminar.title} {self.title}"

    @property
    def audience_display(self):
        """受講者区分: 会員, 非会員 or both."""
        return ",".join(label for on, label in ((self.members_allowed, "会員"), (self.guests_allowed, "非会員")) if on)

    @property
    def date(self):
        return self.held_on or self.seminar.starts_on

    def fee_for(self, member):
        """参加費 for ``member``: the non-members' fee for a guest, the members' fee otherwise."""
        return self.fee_guest if member.is_guest else self.fee_member


class Registration(models.Model):
    """参加申込: one member for one session; attending it (参加済) earns the session's credit."""

    class State(models.TextChoices):
        APPLIED = "applied", "申込済"
        CANCELLED = "cancelled", "取消"

    class Format(models.TextChoices):
        ONSITE = "onsite", "会場"
        ELEARNING = "elearning", "eラーニング"

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="registrations", verbose_name="セッション"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="registrations", verbose_name="会員")
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.APPLIED)
    participation_format = models.CharField("参加形態", max_length=20, choices=Format.choices, default=Format.ONSITE)
    invoice = models.OneToOneField(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registration",
        verbose_name="参加費の請求",
    )
    ticket_number = models.CharField("受講票番号", max_length=20, unique=True, null=True, blank=True)
    attended_at = models.DateTimeField("参加確認日時", null=True, blank=True)
    # The attendance import (取込 #, a number: imports sits above renewal) that marked it attended.
    attended_import_job = models.PositiveIntegerField("参加済にした取込", null=True, blank=True, db_index=True)
    applied_at = models.DateTimeField("申込日時", auto_now_add=True)
    cancelled_at = models.DateTimeField("取消日時", null=True, blank=True)

    class Meta:
        verbose_name = "参加申込"
        verbose_name_plural = "参加申込"
        ordering = ["-applied_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"], condition=Q(state="applied"), name="registration_one_live_per_member"
            )
        ]
        indexes = [models.Index(fields=["member", "state"])]

    def __str__(self):
        return f"{self.member.member_number} {self.session}"

    @property
    def attended(self):
        return self.attended_at is not None


class Credit(models.Model):
    """受講履歴: points a member earned, from attending a session or from a paper certificate.

    A session counts once per member (unique); a certificate entered by staff has no session
    and carries its own title, organizer, venue and date.
    """

    class Source(models.TextChoices):
        ATTENDANCE = "attendance", "参加確認"
        IMPORT = "import", "出席者取込"
        CERTIFICATE = "certificate", "出席証明書"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="credits", verbose_name="会員")
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="credits", verbose_name="セッション"
    )
    credit_category = models.ForeignKey(
        CreditCategory, on_delete=models.PROTECT, related_name="credits", verbose_name="更新条件集計種別"
    )
    points = models.PositiveIntegerField("点数")
    earned_on = models.DateField("開催日")
    source = models.CharField("登録元", max_length=20, choices=Source.choices)
    # For a certificate (no session): what the certificate says.
    title = models.CharField("学会・セミナー名", max_length=200, blank=True)
    organizer = models.CharField("主催者", max_length=200, blank=True)
    venue = models.CharField("開催地・会場", max_length=200, blank=True)
    note = models.CharField("備考", max_length=200, blank=True)
    # The attendance import (取込 #, a number: imports sits above renewal) that created it; its undo deletes it.
    import_job = models.PositiveIntegerField("取込", null=True, blank=True, db_index=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "受講履歴"
        verbose_name_plural = "受講履歴"
        ordering = ["-earned_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "session"], condition=Q(session__isnull=False), name="credit_one_per_member_session"
            )
        ]
        indexes = [models.Index(fields=["member", "earned_on"])]

    def __str__(self):
        return f"{self.member.member_number} {self.display_title} {self.points}点"

    @property
    def display_title(self):
        return self.session.seminar.title if self.session_id else self.title
