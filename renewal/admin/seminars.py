"""学会・セミナー in the admin (the 「セミナー・受講歴」 group, registered in wagtail_hooks.py).

A listing with its sessions and their セッションID (the key of the attendance import; one
prefetch), the number of live registrations, of attended ones and of attendance imported for
members without a registration (出席(申込なし): credits of the seminar's sessions whose member
has no live registration for the session) per seminar (annotations, no query per row); filters
申込受付中 / 開催年度 / 公開, CSV/XLSX export; one form for the seminar and its sessions
(``InlinePanel``: the sessions belong to the seminar through a ``ParentalKey``), each session
showing its セッションID. The inspect page lists the sessions with their セッションID and the same
counts, linking to their registrations and credits. A seminar or session with registrations or
credits is not deleted.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import NoChooserMixin, SafeExportMixin, date_display
from core.dates import fiscal_year_of

from ..models import Credit, Registration, Seminar, Session
from .common import CREDIT_URLS, REGISTRATION_URLS, SEMINAR_URLS


def _period(start, end):
    return date_display(start) if start == end else f"{date_display(start)}-{date_display(end)}"


def _seminar_year_choices():
    years = {fiscal_year_of(day) for day in Seminar.objects.dates("starts_on", "month")}
    return [(str(year), f"{year}年度") for year in sorted(years, reverse=True)]


YES_NO = [("yes", "はい"), ("no", "いいえ")]
ELEARNING_LABEL = Seminar._meta.get_field("elearning").verbose_name  # as written, not capitalised


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


def unregistered_credits():
    """Credits whose member has no live registration for the session: attendance imported from a
    sheet for members who had not registered (出席(申込なし))."""
    live = Registration.objects.filter(
        session_id=OuterRef("session_id"), member_id=OuterRef("member_id"), state=Registration.State.APPLIED
    )
    return Credit.objects.filter(~Exists(live))


def _count_of(queryset, group):
    """A subquery counting ``queryset``'s rows per ``group`` (the outer row's key), 0 for none."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_counts(queryset):
    """Seminars with their number of sessions, live registrations, attended registrations and
    attendance imported without a registration."""
    live = Q(sessions__registrations__state=Registration.State.APPLIED)
    return queryset.annotate(
        session_count=Count("sessions", distinct=True),
        live_count=Count("sessions__registrations", filter=live),
        attended_count=Count(
            "sessions__registrations", filter=live & Q(sessions__registrations__attended_at__isnull=False)
        ),
        unregistered_count=_count_of(
            unregistered_credits().filter(session__seminar_id=OuterRef("pk")), "session__seminar_id"
        ),
    )


def attendance_template_url(session):
    """The attendance sheet pre-filled with ``session``'s registrations (the imports app's view)."""
    return f"{reverse('imports:attendance_template')}?{urlencode({'session': session.pk})}"


def _sessions_display(seminar):
    """The seminar's sessions with their セッションID, one a line (prefetched: no query)."""
    return format_html_join(
        "", '<span class="session-id-line">ID {}: {}</span><br>', ((s.pk, s.title) for s in seminar.sessions.all())
    )


def _publication(seminar):
    """公開・受付: 非公開, 公開, or 公開 and 受付中 on two lines."""
    if not seminar.published:
        return "非公開"
    if seminar.accepts_applications_on(timezone.localdate()):
        return format_html("{}<br>{}", "公開", "受付中")
    return "公開"


class SeminarIndexView(SafeExportMixin, snippet_views.IndexView):
    export_name = "seminars"

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "pk")


class SeminarForm(WagtailAdminModelForm):
    """The seminar with its sessions; a session members registered for or earned credits from
    cannot be removed (its registrations and credits point to it), a session's lecture kind
    must count in the session's credit category, and a session's date is within the seminar's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django capitalises a verbose_name's first letter ("Eラーニング"); the society writes it lower-case.
        if "elearning" in self.fields:
            self.fields["elearning"].label = ELEARNING_LABEL

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
        starts, ends = self.cleaned_data.get("starts_on"), self.cleaned_data.get("ends_on")
        for form in formset.forms if formset is not None else []:
            data = getattr(form, "cleaned_data", None) or {}
            held = data.get("held_on")
            if form not in formset.deleted_forms and held and starts and ends and not starts <= held <= ends:
                # A mistyped date would show members a session outside the seminar, and date its credits there.
                period = f"{starts:%Y/%m/%d}〜{ends:%Y/%m/%d}"
                form.add_error("held_on", f"開催日は学会・セミナーの開催期間({period})内の日付にしてください。")
                self.add_error(None, f"セッション「{data.get('title', '')}」の開催日が開催期間外です。")
                valid = False
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


class SessionIdPanel(Panel):
    """The session's セッションID, read-only, at the top of each session on the seminar's form
    (what the attendance import needs), with its attendance template."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "renewal/admin/session_id_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            session = self.instance
            saved = session is not None and session.pk is not None
            context["session_id"] = session.pk if saved else None
            context["template_url"] = attendance_template_url(session) if saved else ""
            return context


SESSION_PANELS = [
    SessionIdPanel(heading="セッションID"),
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

    def get_field_label(self, field_name, field):
        return ELEARNING_LABEL if field_name == "elearning" else super().get_field_label(field_name, field)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        live = Q(registrations__state=Registration.State.APPLIED)
        sessions = (
            Session.objects.filter(seminar=self.object)
            .select_related("credit_category", "lecture_kind")
            .annotate(
                live_count=Count("registrations", filter=live),
                attended_count=Count("registrations", filter=live & Q(registrations__attended_at__isnull=False)),
                unregistered_count=_count_of(unregistered_credits().filter(session_id=OuterRef("pk")), "session_id"),
                credit_count=_count_of(Credit.objects.filter(session_id=OuterRef("pk")), "session_id"),
            )
            .order_by("sort_order", "pk")
        )
        registrations_url = reverse(f"{REGISTRATION_URLS}:list")
        credits_url = reverse(f"{CREDIT_URLS}:list")
        context["sessions"] = [
            {
                "session": session,
                "registrations_url": f"{registrations_url}?{urlencode({'session': session.pk})}",
                "credits_url": f"{credits_url}?{urlencode({'session': session.pk})}",
            }
            for session in sessions
        ]
        context["import_url"] = reverse("imports:upload") + "?kind=attendance"
        # The attendance sheet pre-filled with a session's registrations (imports' view; by URL name only).
        if self.request.user.has_perm("imports.run_import"):
            context["attendance_sheet_url"] = reverse("imports:attendance_template")
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
        # One column for 公開 and 申込受付中, and short headings: all ten figures fit at 1280 px
        # (the admin hides what overflows its content area).
        Column("published", label="公開・受付", accessor=_publication, sort_key="published"),
        Column("sessions", label="セッション(ID)", accessor=_sessions_display, sort_key="session_count"),
        Column("live_count", label="申込", sort_key="live_count"),
        Column("attended_count", label="参加済", sort_key="attended_count"),
        Column("unregistered_count", label="出席(申込なし)", sort_key="unregistered_count"),
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
        "unregistered_count",
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
        "unregistered_count": "出席数(申込なし)",
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
        sessions = Session.objects.order_by("sort_order", "pk").only("pk", "title", "seminar_id", "sort_order")
        return with_counts(Seminar.objects.all()).prefetch_related(Prefetch("sessions", queryset=sessions))
