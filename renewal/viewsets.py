"""The secretariat's seminar and credit screens in the Wagtail admin: the 「セミナー・受講履歴」 group.

Registered in wagtail_hooks.py (DESIGN.md 8). Every viewset leaves out Wagtail's snippet
chooser (``NoChooserMixin``): an editor (編集者) has no permission here and must not list
members' registrations or credits through a chooser modal.

- ``SeminarViewSet`` (学会・セミナー): listing with the number of live registrations and of
  attended ones per seminar (two annotations, no query per row), filters 申込受付中 / 開催年度
  / 公開, CSV/XLSX export; one form for the seminar and its sessions (``InlinePanel``: the
  sessions belong to the seminar through a ``ParentalKey``). The inspect page lists the
  sessions with their セッションID, the key of the attendance import.
- ``RegistrationViewSet`` (参加申込): read-only listing (filters seminar, session, state,
  attended; search by member), export, and 「参加済にする」 per row (a confirm page) or for the
  selected rows (a bulk action); both call ``renewal.credits.mark_attended`` and log
  ``renewal.registration.attended`` with who and when.
- ``CreditViewSet`` (受講履歴): listing and export; staff add a credit from a paper attendance
  certificate (出席証明書) and may edit or delete those only. Credits from attendance or the
  attendance import are read-only (``CreditPermissionPolicy``). Wagtail logs create, edit
  and delete in the credit's history.
- ``CreditCategoryViewSet`` (更新条件集計種別, caps editable) and ``LectureKindViewSet`` (講義区分).
"""

import datetime

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.admin_kit import (
    ActionFormView,
    InspectInsteadOfEditView,
    NoChooserMixin,
    ReadOnlyHistoryView,
    ReadOnlyInspectView,
    RestrictedPermissionPolicy,
    SafeExportMixin,
    date_display,
    datetime_display,
)
from core.dates import fiscal_year_of
from membership.accounts import normalize_login_id
from membership.admin_sections import member_link
from membership.models import Member
from membership.search import search_members

from . import attendance
from .models import Credit, CreditCategory, LectureKind, Registration, Seminar, Session

SEMINAR_URLS = "wagtailsnippets_renewal_seminar"
REGISTRATION_URLS = "wagtailsnippets_renewal_registration"
CREDIT_URLS = "wagtailsnippets_renewal_credit"

ATTENDED_VIA = {attendance.ADMIN: "参加申込の画面", attendance.BULK: "参加申込の一括操作", attendance.IMPORT: "出席者取込"}


def _period(start, end):
    return date_display(start) if start == end else f"{date_display(start)}-{date_display(end)}"


def _member(member):
    return f"{member.member_number} {member.full_name}"


# --- history ---------------------------------------------------------------------------------------


class AttendedLogFormatter(LogFormatter):
    label = "参加済"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        text = f"参加済にしました({ATTENDED_VIA.get(data.get('via'), data.get('via', ''))}"
        if data.get("import_job"):
            text += f" 取込 #{data['import_job']}"
        text += ")"
        if data.get("credit_created") is False:
            text += "。受講履歴は登録済みでした"
        return text


LOG_ACTIONS = {attendance.ATTENDED_ACTION: AttendedLogFormatter}


# --- permissions -----------------------------------------------------------------------------------


class CreditPermissionPolicy(ModelPermissionPolicy):
    """Model permissions; but only credits from a paper certificate may be changed or deleted
    (the others come from attendance and follow it)."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action in ("change", "delete") and instance.source != Credit.Source.CERTIFICATE:
            return False
        return super().user_has_permission_for_instance(user, action, instance)


REGISTRATION_POLICY = RestrictedPermissionPolicy(Registration, ["change", "view"])
# Categories and lecture kinds are referred to by sessions and credits (PROTECT): never deleted here.
PERMISSION_POLICIES = {
    Registration: REGISTRATION_POLICY,
    Credit: CreditPermissionPolicy(Credit),
    CreditCategory: RestrictedPermissionPolicy(CreditCategory, ["add", "change", "view"]),
    LectureKind: RestrictedPermissionPolicy(LectureKind, ["add", "change", "view"]),
}


# --- seminars --------------------------------------------------------------------------------------


def _seminar_year_choices():
    years = {fiscal_year_of(day) for day in Seminar.objects.dates("starts_on", "month")}
    return [(str(year), f"{year}年度") for year in sorted(years, reverse=True)]


YES_NO = [("yes", "はい"), ("no", "いいえ")]


class SeminarFilterSet(WagtailFilterSet):
    accepting = django_filters.ChoiceFilter(
        label="申込受付中",
        choices=[("yes", "受付中"), ("no", "受付中でない")],
        empty_label="すべて",
        method="filter_accepting",
        widget=forms.Select,
    )
    fiscal_year = django_filters.ChoiceFilter(
        label="開催年度",
        choices=_seminar_year_choices,
        empty_label="すべて",
        method="filter_fiscal_year",
        widget=forms.Select,
    )
    published = django_filters.ChoiceFilter(
        label="公開", choices=YES_NO, empty_label="すべて", method="filter_published", widget=forms.Select
    )

    class Meta:
        model = Seminar
        fields = ["accepting", "fiscal_year", "published"]

    def filter_accepting(self, queryset, name, value):
        today = timezone.localdate()
        accepting = Q(published=True, application_opens_on__lte=today, application_closes_on__gte=today)
        if value == "yes":
            return queryset.filter(accepting)
        if value == "no":
            return queryset.exclude(accepting)
        return queryset

    def filter_fiscal_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(starts_on__gte=datetime.date(year, 4, 1), starts_on__lt=datetime.date(year + 1, 4, 1))

    def filter_published(self, queryset, name, value):
        return queryset.filter(published=(value == "yes")) if value in ("yes", "no") else queryset


def with_counts(queryset):
    """Seminars with their number of sessions, live registrations and attended registrations."""
    live = Q(sessions__registrations__state=Registration.State.APPLIED)
    return queryset.annotate(
        session_count=Count("sessions", distinct=True),
        live_count=Count("sessions__registrations", filter=live),
        attended_count=Count(
            "sessions__registrations", filter=live & Q(sessions__registrations__attended_at__isnull=False)
        ),
    )


def _accepting(seminar):
    return "受付中" if seminar.accepts_applications_on(timezone.localdate()) else ""


class SeminarIndexView(SafeExportMixin, snippet_views.IndexView):
    export_name = "seminars"

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "pk")


class SeminarForm(WagtailAdminModelForm):
    """The seminar with its sessions; a session members registered for or earned credits from
    cannot be removed (its registrations and credits point to it), and a session's lecture
    kind must count in the session's credit category."""

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "終了日は開始日以降にしてください。")
        opens, closes = data.get("application_opens_on"), data.get("application_closes_on")
        if opens and closes and closes < opens:
            self.add_error("application_closes_on", "申込期間の終了日は開始日以降にしてください。")
        return data

    def is_valid(self):
        valid = super().is_valid()
        if not valid:
            return False
        formset = self.formsets.get("sessions")
        for form in formset.forms if formset is not None else []:
            data = getattr(form, "cleaned_data", None) or {}
            kind, category = data.get("lecture_kind"), data.get("credit_category")
            if form not in formset.deleted_forms and kind and category and kind.credit_category_id != category.pk:
                form.add_error(
                    "lecture_kind",
                    f"講義区分「{kind.name}」は更新条件集計種別「{kind.credit_category}」に集計されます。",
                )
                self.add_error(None, f"セッション「{data.get('title', '')}」の講義区分と更新条件集計種別が合いません。")
                valid = False
        removed = [form.instance for form in (formset.deleted_forms if formset is not None else []) if form.instance.pk]
        if removed:
            used = set(
                Registration.objects.filter(session__in=removed).values_list("session_id", flat=True).distinct()
            ) | set(Credit.objects.filter(session__in=removed).values_list("session_id", flat=True).distinct())
            for session in removed:
                if session.pk in used:
                    self.add_error(
                        None,
                        f"セッション「{session.title}」には参加申込または受講履歴があるため削除できません。",
                    )
                    valid = False
        return valid


SESSION_PANELS = [
    FieldPanel("title"),
    FieldRowPanel([FieldPanel("points"), FieldPanel("credit_category"), FieldPanel("lecture_kind")], heading="点数"),
    FieldRowPanel(
        [FieldPanel("requirement"), FieldPanel("members_allowed"), FieldPanel("guests_allowed")], heading="受講者"
    ),
    FieldRowPanel([FieldPanel("fee_member"), FieldPanel("fee_guest"), FieldPanel("capacity")], heading="参加費・定員"),
    FieldRowPanel([FieldPanel("held_on"), FieldPanel("sort_order")], heading="開催日・表示順"),
]


class SeminarInspectView(snippet_views.InspectView):
    template_name = "renewal/admin/seminar_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        live = Q(registrations__state=Registration.State.APPLIED)
        sessions = (
            Session.objects.filter(seminar=self.object)
            .select_related("credit_category", "lecture_kind")
            .annotate(
                live_count=Count("registrations", filter=live),
                attended_count=Count("registrations", filter=live & Q(registrations__attended_at__isnull=False)),
            )
            .order_by("sort_order", "pk")
        )
        registrations_url = reverse(f"{REGISTRATION_URLS}:list")
        context["sessions"] = [
            (session, f"{registrations_url}?{urlencode({'session': session.pk})}") for session in sessions
        ]
        context["import_url"] = reverse("imports:upload") + "?kind=attendance"
        return context

    def get_published_display_value(self):
        return "公開" if self.object.published else "非公開"


class SeminarDeleteView(snippet_views.DeleteView):
    """A seminar whose sessions have registrations or credits is not deleted (they point to it)."""

    def dispatch(self, request, *args, **kwargs):
        seminar = self.object
        used = (
            Registration.objects.filter(session__seminar=seminar).exists()
            or Credit.objects.filter(session__seminar=seminar).exists()
        )
        if used:
            messages.error(
                request,
                f"「{seminar}」には参加申込または受講履歴があるため削除できません。非公開にしてください。",
            )
            return redirect(f"{SEMINAR_URLS}:edit", seminar.pk)
        return super().dispatch(request, *args, **kwargs)


class SeminarViewSet(NoChooserMixin, SnippetViewSet):
    model = Seminar
    icon = "date"
    menu_label = "学会・セミナー"
    menu_name = "seminars"
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False

    index_view_class = SeminarIndexView
    inspect_view_class = SeminarInspectView
    delete_view_class = SeminarDeleteView

    list_per_page = 50
    ordering = "-starts_on"
    list_display = [
        "title",
        Column("period", label="開催期間", accessor=lambda s: _period(s.starts_on, s.ends_on), sort_key="starts_on"),
        Column(
            "application",
            label="申込期間",
            accessor=lambda s: _period(s.application_opens_on, s.application_closes_on),
            sort_key="application_closes_on",
        ),
        Column("venue", label="開催場所", sort_key="venue"),
        Column("accepting", label="申込受付中", accessor=_accepting),
        Column("published", label="公開", accessor=lambda s: "公開" if s.published else "非公開", sort_key="published"),
        Column("session_count", label="セッション", sort_key="session_count"),
        Column("live_count", label="申込", sort_key="live_count"),
        Column("attended_count", label="参加済", sort_key="attended_count"),
    ]
    filterset_class = SeminarFilterSet
    search_fields = ["title", "organizer", "venue"]
    search_backend_name = None

    list_export = [
        "pk",
        "title",
        "organizer",
        "venue",
        "starts_on",
        "ends_on",
        "application_opens_on",
        "application_closes_on",
        "formats_display",
        "published",
        "session_count",
        "live_count",
        "attended_count",
    ]
    export_headings = {
        "pk": "学会・セミナーID",
        "title": "学会・セミナー名",
        "organizer": "主催者",
        "venue": "開催場所",
        "starts_on": "開催期間(開始日)",
        "ends_on": "開催期間(終了日)",
        "application_opens_on": "申込期間(開始日)",
        "application_closes_on": "申込期間(終了日)",
        "formats_display": "開催形態",
        "published": "公開",
        "session_count": "セッション数",
        "live_count": "申込数",
        "attended_count": "参加済数",
    }

    inspect_view_fields = [
        "title",
        "organizer",
        "venue",
        "starts_on",
        "ends_on",
        "application_opens_on",
        "application_closes_on",
        "onsite",
        "elearning",
        "published",
        "description",
    ]

    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("organizer"), FieldPanel("venue")], heading="主催者・開催場所"),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")], heading="開催期間"),
            FieldRowPanel(
                [FieldPanel("application_opens_on"), FieldPanel("application_closes_on")], heading="申込期間"
            ),
            MultiFieldPanel([FieldPanel("onsite"), FieldPanel("elearning")], heading="開催形態"),
            FieldPanel("description"),
            FieldPanel("published"),
            InlinePanel("sessions", heading="セッション", label="セッション", min_num=1, panels=SESSION_PANELS),
        ],
        base_form_class=SeminarForm,
    )

    def get_queryset(self, request):
        return with_counts(Seminar.objects.all())


# --- registrations ---------------------------------------------------------------------------------


def _can_mark(user, registration):
    return (
        registration.state == Registration.State.APPLIED
        and registration.attended_at is None
        and REGISTRATION_POLICY.user_has_permission(user, "change")
    )


def _attended(registration):
    return f"参加済 {datetime_display(registration.attended_at)}" if registration.attended_at else ""


class RegistrationFilterSet(WagtailFilterSet):
    seminar = django_filters.ModelChoiceFilter(
        label="学会・セミナー",
        field_name="session__seminar",
        queryset=Seminar.objects.order_by("-starts_on", "pk"),
        empty_label="すべて",
        widget=forms.Select,
    )
    session = django_filters.ModelChoiceFilter(
        label="セッション",
        queryset=Session.objects.select_related("seminar").order_by(
            "-seminar__starts_on", "seminar", "sort_order", "pk"
        ),
        empty_label="すべて",
        widget=forms.Select,
    )
    state = django_filters.ChoiceFilter(
        label="状態", choices=Registration.State.choices, empty_label="すべて", widget=forms.Select
    )
    attended = django_filters.ChoiceFilter(
        label="参加済",
        choices=[("yes", "参加済"), ("no", "未参加")],
        empty_label="すべて",
        method="filter_attended",
        widget=forms.Select,
    )

    class Meta:
        model = Registration
        fields = ["seminar", "session", "state", "attended"]

    def filter_attended(self, queryset, name, value):
        if value == "yes":
            return queryset.exclude(attended_at=None)
        if value == "no":
            return queryset.filter(attended_at=None)
        return queryset


class MemberRowsIndexView(SafeExportMixin, snippet_views.IndexView):
    """A listing of members' rows (registrations, credits): searched by member, in a stable
    order, with the member number column labelled 会員番号."""

    def search_queryset(self, queryset):
        return search_members(queryset, self.search_query) if self.is_searching else queryset

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "pk")

    @cached_property
    def columns(self):
        columns = super().columns
        for column in columns:
            if getattr(column, "name", "") == "member__member_number":
                column.label = "会員番号"
        return columns


class RegistrationIndexView(MemberRowsIndexView):
    """A listing without edit forms: rows open the inspect page; 参加済にする per row or in bulk."""

    export_name = "registrations"

    def get_edit_url(self, instance):
        return reverse(f"{REGISTRATION_URLS}:inspect", args=[instance.pk])

    def get_delete_url(self, instance):
        return None

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if _can_mark(self.request.user, instance):
            url = reverse(f"{REGISTRATION_URLS}:attend", args=[instance.pk])
            buttons.insert(0, MenuItem("参加済にする", url=url, icon_name="success", priority=1))
        buttons.append(
            MenuItem(
                "履歴",
                url=reverse(f"{REGISTRATION_URLS}:history", args=[instance.pk]),
                icon_name="history",
                priority=90,
            )
        )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_mark_attended"] = REGISTRATION_POLICY.user_has_permission(self.request.user, "change")
        return context


class RegistrationInspectView(ReadOnlyInspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(
            Registration.objects.select_related("member", "session__seminar", "invoice"), pk=self.pk
        )

    def header_actions(self):
        if _can_mark(self.request.user, self.object):
            url = reverse(f"{REGISTRATION_URLS}:attend", args=[self.object.pk])
            return [HeaderButton("参加済にする", url=url, icon_name="success")]
        return []

    def get_member_display_value(self):
        member = self.object.member
        return member_link(member)

    def get_session_display_value(self):
        session = self.object.session
        return format_html(
            '<a href="{}">{}</a>(セッションID {}、{}点)',
            reverse(f"{SEMINAR_URLS}:inspect", args=[session.seminar_id]),
            session,
            session.pk,
            session.points,
        )

    def get_attended_at_display_value(self):
        return datetime_display(self.object.attended_at) or "未参加"

    def get_applied_at_display_value(self):
        return datetime_display(self.object.applied_at)

    def get_cancelled_at_display_value(self):
        return datetime_display(self.object.cancelled_at) or "-"


def registration_summary(registration):
    session = registration.session
    return [
        ("会員", _member(registration.member)),
        ("学会・セミナー", session.seminar.title),
        ("セッション", f"{session.title}({session.points}点、{date_display(session.date)})"),
        ("参加形態", registration.get_participation_format_display()),
        ("状態", registration.get_state_display()),
    ]


class MarkAttendedForm(forms.Form):
    pass


class MarkAttendedView(ActionFormView):
    model = Registration
    header_icon = "success"
    page_title = "参加済にする"
    form_class = MarkAttendedForm
    submit_label = "参加済にする"

    def get_queryset(self):
        return Registration.objects.select_related("member", "session__seminar")

    @property
    def explanation(self):
        session = self.object.session
        return (
            f"参加済にすると、会員の受講履歴に「{session.seminar.title} {session.title}」の{session.points}点"
            f"({session.credit_category})が加わります。"
        )

    def summary(self):
        return registration_summary(self.object)

    def blocked_reason(self):
        return attendance.attended_refusal(self.object)

    def perform(self, data):
        return attendance.mark_attended(registration_id=self.object.pk, user=self.request.user, via=attendance.ADMIN)

    def success_message(self, registration):
        return f"{_member(registration.member)}さんを参加済にしました({registration.session})。"


class MarkAttendedBulkAction(SnippetBulkAction):
    """「参加済にする」 for the registrations selected in the listing."""

    display_name = "参加済にする"
    action_type = "mark_attended"
    aria_label = "選択した参加申込を参加済にする"
    template_name = "renewal/admin/bulk_mark_attended.html"
    action_priority = 10
    models = [Registration]

    def dispatch(self, request, *args, **kwargs):
        # Wagtail lists the chosen rows on this page: nobody without the permission sees it.
        if not REGISTRATION_POLICY.user_has_permission(request.user, "change"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(
            Registration.objects.filter(pk__in=object_ids)
            .select_related("member", "session__seminar")
            .order_by("session__seminar__title", "member__member_number")
        )

    def check_perm(self, registration):
        return registration.state == Registration.State.APPLIED and registration.attended_at is None

    def object_context(self, registration):
        return {"item": registration, "member": _member(registration.member), "session": registration.session}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["header_icon"] = "success"
        return context

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        done = attendance.mark_attended_bulk(
            registration_ids=[registration.pk for registration in objects], user=user, via=attendance.BULK
        )
        return len(done.marked), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"{num_parent_objects}件の参加申込を参加済にしました。"


def _registration_session(registration):
    return f"{registration.session.seminar.title} {registration.session.title}"


class RegistrationViewSet(NoChooserMixin, SnippetViewSet):
    model = Registration
    icon = "list-ul"
    menu_label = "参加申込"
    menu_name = "registrations"
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False

    index_view_class = RegistrationIndexView
    index_template_name = "renewal/admin/registration_index.html"
    inspect_view_class = RegistrationInspectView
    edit_view_class = InspectInsteadOfEditView
    history_view_class = ReadOnlyHistoryView

    list_per_page = 50
    ordering = "-applied_at"
    list_display = [
        "member__member_number",
        Column("member_name", label="氏名", accessor="member.full_name", sort_key="member__family_name_kana"),
        Column("session", label="学会・セミナー / セッション", accessor=_registration_session),
        Column("format", label="参加形態", accessor="get_participation_format_display"),
        Column("state", label="状態", accessor="get_state_display", sort_key="state"),
        Column("attended_at", label="参加済", accessor=_attended, sort_key="attended_at"),
        Column(
            "applied_at", label="申込日時", accessor=lambda r: datetime_display(r.applied_at), sort_key="applied_at"
        ),
    ]
    filterset_class = RegistrationFilterSet
    search_fields = ["member__member_number"]
    search_backend_name = None

    list_export = [
        "member.member_number",
        "member.family_name",
        "member.given_name",
        "session.seminar.title",
        "session.pk",
        "session.title",
        "session.points",
        "get_participation_format_display",
        "get_state_display",
        "applied_at",
        "attended_at",
        "ticket_number",
    ]
    export_headings = {
        "member.member_number": "会員番号",
        "member.family_name": "氏名(姓)",
        "member.given_name": "氏名(名)",
        "session.seminar.title": "学会・セミナー名",
        "session.pk": "セッションID",
        "session.title": "セッション名",
        "session.points": "点数",
        "get_participation_format_display": "参加形態",
        "get_state_display": "状態",
        "applied_at": "申込日時",
        "attended_at": "参加確認日時",
        "ticket_number": "受講票番号",
    }

    inspect_view_fields = [
        "member",
        "session",
        "participation_format",
        "state",
        "applied_at",
        "cancelled_at",
        "attended_at",
        "ticket_number",
        "invoice",
    ]

    def get_queryset(self, request):
        return Registration.objects.select_related("member", "session__seminar")

    @property
    def edit_view(self):
        return self.construct_view(self.edit_view_class)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("attend/<int:pk>/", self.construct_view(MarkAttendedView), name="attend"),
        ]


# --- credits ---------------------------------------------------------------------------------------


def _credit_year_choices():
    years = Credit.objects.dates("earned_on", "year", order="DESC")
    return [(str(day.year), f"{day.year}年") for day in years]


class CreditFilterSet(WagtailFilterSet):
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
        fields = ["credit_category", "source", "year"]

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
        number = normalize_login_id(self.cleaned_data["member_number"])
        member = Member.objects.filter(member_number=number).first()
        if member is None:
            raise forms.ValidationError(f"会員番号 {number} の会員が見つかりません。")
        self.instance.member = member
        return number

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


# Export columns of credits: a certificate's own title, organizer and venue, or the session's.
Credit.export_title = property(_credit_title)
Credit.export_organizer = property(_credit_organizer)
Credit.export_venue = property(_credit_venue)


# --- categories and lecture kinds ------------------------------------------------------------------


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


class SeminarViewSetGroup(SnippetViewSetGroup):
    """セミナー・受講履歴: 学会・セミナー, 参加申込, 受講履歴, 更新条件集計種別, 講義区分."""

    items = (SeminarViewSet, RegistrationViewSet, CreditViewSet, CreditCategoryViewSet, LectureKindViewSet)
    menu_label = "セミナー・受講履歴"
    menu_icon = "date"
    menu_name = "seminars_credits"
    menu_order = 130
