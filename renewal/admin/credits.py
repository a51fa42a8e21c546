"""受講履歴 and its categories in the admin (the 「セミナー・受講歴」 group, registered in
wagtail_hooks.py).

- ``CreditViewSet`` (受講履歴): listing (filters seminar, session and the attendance import that
  created it, 取込番号, linked from the import's page) and export; staff add a credit from a paper
  attendance certificate (出席証明書) and may edit or delete those only. Credits from attendance
  or the attendance import are read-only (``CreditPermissionPolicy``); an import's credits go
  with its undo. Wagtail logs create, edit and delete in the credit's history.
- ``CreditCategoryViewSet`` (更新条件集計種別, caps editable) and ``LectureKindViewSet`` (講義区分):
  referred to by sessions and credits (PROTECT), so never deleted here.
"""

import django_filters
from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.log_actions import LogFormatter
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import NoChooserMixin, RestrictedPermissionPolicy, date_display, datetime_display
from membership.accounts import normalize_login_id
from membership.admin_sections import member_link
from membership.member_numbers import normalize_member_number
from membership.models import Member

from ..attendance_undo import CREDIT_UNDONE_ACTION
from ..models import Credit, CreditCategory, LectureKind
from . import certificates as certificate_admin
from .common import (
    CREDIT_URLS,
    SEMINAR_URLS,
    MemberRowsIndexView,
    SessionFilterSet,
    import_job_link,
)


class CreditPermissionPolicy(ModelPermissionPolicy):
    """Model permissions; but only credits from a paper certificate may be changed or deleted
    (the others come from attendance and follow it)."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action in ("change", "delete") and instance.source != Credit.Source.CERTIFICATE:
            return False
        return super().user_has_permission_for_instance(user, action, instance)


PERMISSION_POLICIES = {
    Credit: CreditPermissionPolicy(Credit),
    CreditCategory: RestrictedPermissionPolicy(CreditCategory, ["add", "change", "view"]),
    LectureKind: RestrictedPermissionPolicy(LectureKind, ["add", "change", "view"]),
}


def _credit_year_choices():
    years = Credit.objects.dates("earned_on", "year", order="DESC")
    return [(str(day.year), f"{day.year}年") for day in years]


class CreditFilterSet(SessionFilterSet):
    import_job = django_filters.NumberFilter(label="取込番号", min_value=1, help_text="出席者取込の番号(取込 #)。")
    credit_category = django_filters.ModelChoiceFilter(
        label="更新条件集計種別", queryset=CreditCategory.objects.all(), empty_label="すべて", widget=forms.Select
    )
    source = django_filters.ChoiceFilter(
        label="登録元", choices=Credit.Source.choices, empty_label="すべて", widget=forms.Select
    )
    year = django_filters.ChoiceFilter(
        label="開催年", choices=_credit_year_choices, empty_label="すべて", method="filter_year", widget=forms.Select
    )

    class Meta:
        model = Credit
        fields = ["seminar", "session", "import_job", "credit_category", "source", "year"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(earned_on__year=int(value))


def _credit_title(credit):
    if credit.session_id:
        return f"{credit.session.seminar.title} {credit.session.title}"
    return credit.title


def _credit_organizer(credit):
    return credit.session.seminar.organizer if credit.session_id else credit.organizer


def _credit_venue(credit):
    return credit.session.seminar.venue if credit.session_id else credit.venue


class CreditIndexView(MemberRowsIndexView):
    export_name = "credits"

    def get_edit_url(self, instance):
        if instance.source != Credit.Source.CERTIFICATE:
            return reverse(f"{CREDIT_URLS}:inspect", args=[instance.pk])
        return super().get_edit_url(instance)

    def get_delete_url(self, instance):
        if instance.source != Credit.Source.CERTIFICATE:
            return None
        return super().get_delete_url(instance)

    @cached_property
    def add_item_label(self):
        return "出席証明書から登録"

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if certificate_admin.may_issue(self.request.user, self.permission_policy):
            buttons.append(certificate_admin.list_button(instance))
        return buttons


class CertificateCreditForm(WagtailAdminModelForm):
    """A credit typed in from a paper attendance certificate (出席証明書): the member by number."""

    member_number = forms.CharField(label="会員番号", max_length=20)

    class Meta:
        model = Credit
        fields = ["title", "organizer", "venue", "earned_on", "points", "credit_category", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "organizer", "venue"):
            self.fields[name].required = True
        self.fields["title"].label = "学会・セミナー名(証明書の記載どおり)"
        if self.instance.pk:
            self.fields["member_number"].initial = self.instance.member.member_number

    def clean_member_number(self):
        # Padded as the imports and the other staff forms pad it (``12345`` → ``0012345``: a
        # certificate or a spreadsheet often drops the zeros), or as typed (a number stored
        # before the width was fixed).
        typed = normalize_login_id(self.cleaned_data["member_number"])
        number = normalize_member_number(typed)
        members = {m.member_number: m for m in Member.objects.filter(member_number__in={number, typed})}
        member = members.get(number) or members.get(typed)
        if member is None:
            raise forms.ValidationError(f"会員番号 {number} の会員が見つかりません。")
        self.instance.member = member
        return member.member_number

    def clean_earned_on(self):
        earned_on = self.cleaned_data["earned_on"]
        if earned_on and earned_on > timezone.localdate():
            raise forms.ValidationError("開催日に未来の日付は指定できません。")
        return earned_on

    def save(self, commit=True):
        self.instance.source = Credit.Source.CERTIFICATE
        self.instance.session = None
        return super().save(commit=commit)


class CertificateOnlyMixin:
    """Edit and delete only certificate credits; the others lead to their inspect page."""

    def dispatch(self, request, *args, **kwargs):
        # Without the model permission Wagtail's own check refuses first (no hint about the row).
        allowed = self.permission_policy.user_has_permission(request.user, self.permission_required)
        if allowed and self.object.source != Credit.Source.CERTIFICATE:
            messages.warning(
                request,
                "参加確認・出席者取込による受講履歴は変更・削除できません(参加申込の状態に従います)。",
            )
            return redirect(f"{CREDIT_URLS}:inspect", self.object.pk)
        return super().dispatch(request, *args, **kwargs)


class CreditEditView(CertificateOnlyMixin, snippet_views.EditView):
    pass


class CreditDeleteView(CertificateOnlyMixin, snippet_views.DeleteView):
    pass


class CreditInspectView(snippet_views.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(
            Credit.objects.select_related("member", "session__seminar", "credit_category"), pk=self.pk
        )

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "-" if value is None or value == "" else value

    @cached_property
    def header_buttons(self):
        if certificate_admin.may_issue(self.request.user, self.permission_policy):
            return [certificate_admin.header_button(self.object)]
        return []

    def get_member_display_value(self):
        member = self.object.member
        return member_link(member)

    def get_session_display_value(self):
        session = self.object.session
        if session is None:
            return "-(出席証明書)"
        return format_html(
            '<a href="{}">{}</a>(セッションID {})',
            reverse(f"{SEMINAR_URLS}:inspect", args=[session.seminar_id]),
            session,
            session.pk,
        )

    def get_title_display_value(self):
        return _credit_title(self.object)

    def get_organizer_display_value(self):
        return _credit_organizer(self.object) or "-"

    def get_venue_display_value(self):
        return _credit_venue(self.object) or "-"

    def get_created_at_display_value(self):
        return datetime_display(self.object.created_at)

    def get_import_job_display_value(self):
        return import_job_link(self.object.import_job) or "-"


class CreditUndoneLogFormatter(LogFormatter):
    label = "取込の取消"

    def format_message(self, log_entry):
        return f"出席者取込 #{(log_entry.data or {}).get('import_job', '')} の取消で削除しました"


LOG_ACTIONS = {CREDIT_UNDONE_ACTION: CreditUndoneLogFormatter, **certificate_admin.LOG_ACTIONS}


class CreditViewSet(NoChooserMixin, SnippetViewSet):
    model = Credit
    icon = "pick"
    menu_label = "受講履歴"
    menu_name = "credits"
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False

    index_view_class = CreditIndexView
    edit_view_class = CreditEditView
    delete_view_class = CreditDeleteView
    inspect_view_class = CreditInspectView

    list_per_page = 50
    ordering = "-earned_on"
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name", sort_key="member__family_name_kana"),
        Column("title", label="学会・セミナー / セッション", accessor=_credit_title),
        Column("category", label="更新条件集計種別", accessor="credit_category.name", sort_key="credit_category"),
        Column("points", label="点数", sort_key="points"),
        Column("earned_on", label="開催日", accessor=lambda c: date_display(c.earned_on), sort_key="earned_on"),
        Column("source", label="登録元", accessor="get_source_display", sort_key="source"),
        Column("import_job", label="取込", accessor=lambda c: f"#{c.import_job}" if c.import_job else ""),
    ]
    filterset_class = CreditFilterSet
    search_fields = ["member__member_number"]
    search_backend_name = None

    list_export = [
        "member.member_number",
        "member.family_name",
        "member.given_name",
        "export_title",
        "export_organizer",
        "export_venue",
        "credit_category.name",
        "points",
        "earned_on",
        "get_source_display",
        "note",
        "import_job",
        "created_at",
    ]
    export_headings = {
        "member.member_number": "会員番号",
        "member.family_name": "氏名(姓)",
        "member.given_name": "氏名(名)",
        "export_title": "学会・セミナー / セッション",
        "export_organizer": "主催者",
        "export_venue": "開催地・会場",
        "credit_category.name": "更新条件集計種別",
        "points": "点数",
        "earned_on": "開催日",
        "get_source_display": "登録元",
        "note": "備考",
        "import_job": "取込番号",
        "created_at": "登録日時",
    }

    inspect_view_fields = [
        "member",
        "session",
        "title",
        "organizer",
        "venue",
        "credit_category",
        "points",
        "earned_on",
        "source",
        "import_job",
        "note",
        "created_at",
    ]

    edit_handler = ObjectList(
        [
            FieldPanel("member_number"),
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("organizer"), FieldPanel("venue")], heading="主催者・開催地"),
            FieldRowPanel(
                [FieldPanel("earned_on"), FieldPanel("points"), FieldPanel("credit_category")], heading="点数"
            ),
            FieldPanel("note"),
        ],
        base_form_class=CertificateCreditForm,
    )

    def get_queryset(self, request):
        return Credit.objects.select_related("member", "session__seminar", "credit_category")

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), *certificate_admin.certificate_urlpatterns(self.permission_policy)]


# Export columns of credits: a certificate's own title, organizer and venue, or the session's.
Credit.export_title = property(_credit_title)
Credit.export_organizer = property(_credit_organizer)
Credit.export_venue = property(_credit_venue)


# --- categories and lecture kinds ---------------------------------------------------------------


class CreditCategoryViewSet(NoChooserMixin, SnippetViewSet):
    model = CreditCategory
    icon = "order"
    menu_label = "更新条件集計種別"
    menu_name = "credit_categories"
    copy_view_enabled = False
    add_to_reference_index = False
    ordering = "sort_order"
    list_display = ["name", Column("cap", label="総得点加算上限", sort_key="cap"), Column("sort_order", label="表示順")]
    panels = [FieldPanel("name"), FieldPanel("cap"), FieldPanel("sort_order")]


class LectureKindViewSet(NoChooserMixin, SnippetViewSet):
    model = LectureKind
    icon = "tag"
    menu_label = "講義区分"
    menu_name = "lecture_kinds"
    copy_view_enabled = False
    add_to_reference_index = False
    list_display = ["name", Column("credit_category", label="更新条件集計種別", accessor="credit_category.name")]
    panels = [FieldPanel("name"), FieldPanel("credit_category")]

    def get_queryset(self, request):
        return LectureKind.objects.select_related("credit_category")
