"""The staff's member management in the Wagtail admin (registered in wagtail_hooks.py).

``MemberViewSet``: listing with search, filters, ordering and CSV/XLSX export; a tabbed edit
form (``admin_forms.MemberAdminForm``); an inspect view with the other apps' sections; the
history (``member_history``). Edits and deletions go through ``membership.members``'
Wagtail actions, which log what changed.
"""

import django_filters
from django import forms
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, TitleColumn
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import NoChooserMixin, SafeExportMixin

from ..admin_forms import MemberAdminForm
from ..admin_sections import member_sections
from ..members import EMAIL_LABEL
from ..models import MEMBER_CONTACT_FIELDS, MEMBER_NAME_FIELDS, PREFECTURE_CHOICES, Member
from ..search import MemberSearchMixin
from .member_history import MemberHistoryView

# --- listing ---------------------------------------------------------------------------------


def _expiry_year_choices():
    years = Member.objects.exclude(certification_expires_on=None).dates("certification_expires_on", "year")
    return [(str(day.year), f"{day.year}年") for day in years]


class MemberFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label="ステータス", choices=Member.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    home_prefecture = django_filters.ChoiceFilter(
        label="都道府県(自宅)", choices=PREFECTURE_CHOICES, empty_label="すべて", widget=forms.Select
    )
    expiry_year = django_filters.ChoiceFilter(
        label="認定有効期限(年)",
        choices=_expiry_year_choices,
        empty_label="すべて",
        method="filter_expiry_year",
        widget=forms.Select,
    )
    mailing_address = django_filters.ChoiceFilter(
        label="郵送先", choices=Member.MailingAddress.choices, empty_label="すべて", widget=forms.RadioSelect
    )

    class Meta:
        model = Member
        fields = ["status", "home_prefecture", "expiry_year", "mailing_address"]

    def filter_expiry_year(self, queryset, name, value):
        return queryset.filter(certification_expires_on__year=int(value)) if value else queryset


MEMBER_URLS = "wagtailsnippets_membership_member"
NAME_ORDERING = ["family_name_kana", "given_name_kana", "member_number"]


class MemberIndexView(MemberSearchMixin, SafeExportMixin, snippet_views.IndexView):
    """CSV for Excel without spreadsheet formulas (SafeExportMixin): members type their own addresses."""

    member_prefix = ""
    export_name = "members"

    @cached_property
    def columns(self):
        # No bulk selection: bulk deletion would bypass MemberDeleteAction (accounts stay behind).
        columns = [column for column in super().columns if not isinstance(column, BulkActionsCheckboxColumn)]
        for column in columns:
            if isinstance(column, TitleColumn):
                # Staff mostly look members up: the row opens 詳細 (invoices, seminars, credits,
                # applications), which links to 編集; 編集 stays in the row's "…" menu too.
                column.get_link_url = lambda member, parent_context: self._member_url(member)
        return columns

    def _member_url(self, member):
        return self.get_inspect_url(member) or self.get_edit_url(member)

    def order_queryset(self, queryset):
        # 氏名 sorts in 五十音 order, by the furigana.
        if self.ordering in ("name", "-name"):
            prefix = "-" if self.ordering.startswith("-") else ""
            return queryset.order_by(*[prefix + field for field in NAME_ORDERING])
        return super().order_queryset(queryset)


def _name_link(member):
    """氏名 linking to the member's 詳細 page, like the 会員番号."""
    return format_html('<a href="{}">{}</a>', reverse(f"{MEMBER_URLS}:inspect", args=[member.pk]), member.full_name)


# --- inspect ----------------------------------------------------------------------------------


class MemberInspectView(snippet_views.InspectView):
    template_name = "membership/admin/member_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["member_sections"] = member_sections(self.object, self.request.user)
        return context

    def get_field_label(self, field_name, field):
        if field_name == "email":
            return EMAIL_LABEL
        return super().get_field_label(field_name, field)

    def get_email_display_value(self):
        return self.object.user.email or "-"

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "-" if value is None or value == "" else value  # not "None"


# --- the viewset -----------------------------------------------------------------------------


class MemberViewSet(NoChooserMixin, SnippetViewSet):
    model = Member
    icon = "group"
    menu_label = "会員"
    menu_name = "members"
    menu_order = 110
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True

    index_view_class = MemberIndexView
    index_template_name = "membership/admin/member_index.html"
    history_view_class = MemberHistoryView
    inspect_view_class = MemberInspectView

    list_per_page = 50
    ordering = "member_number"
    list_display = [
        "member_number",
        Column("full_name", label="氏名", accessor=_name_link, sort_key="name"),
        Column("full_name_kana", label="フリガナ"),
        Column("status", label="ステータス", accessor="get_status_display", sort_key="status"),
        Column("home_prefecture", label="都道府県", sort_key="home_prefecture"),
        "certification_expires_on",
    ]
    filterset_class = MemberFilterSet
    search_fields = [
        "member_number",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "alternate_name",
        "user__email",
        "workplace_name",
    ]
    search_backend_name = None  # plain database lookups over search_fields (Member is not indexed)

    list_export = [
        "member_number",
        *MEMBER_NAME_FIELDS,
        "birth_date",
        "user.email",
        "get_status_display",
        "status_since",
        "status_reason",
        "joined_on",
        # The mailing address is exported by its label (自宅 / 勤務先), not its stored value.
        *("get_mailing_address_display" if name == "mailing_address" else name for name in MEMBER_CONTACT_FIELDS),
        "certification_number",
        "certification_expires_on",
    ]
    export_headings = {
        "member_number": "会員番号",
        "family_name": "氏名(姓)",
        "given_name": "氏名(名)",
        "family_name_kana": "フリガナ(姓)",
        "given_name_kana": "フリガナ(名)",
        "alternate_name": "代替文字",
        "birth_date": "生年月日",
        "user.email": "メールアドレス",
        "get_status_display": "ステータス",
        "status_since": "ステータス変更日",
        "status_reason": "ステータス変更理由",
        "joined_on": "入会日",
        "home_postal_code": "自宅 郵便番号",
        "home_prefecture": "自宅 都道府県",
        "home_address1": "自宅 住所1",
        "home_address2": "自宅 住所2",
        "workplace_name": "勤務先名",
        "workplace_postal_code": "勤務先 郵便番号",
        "workplace_prefecture": "勤務先 都道府県",
        "workplace_address1": "勤務先 住所1",
        "workplace_address2": "勤務先 住所2",
        "get_mailing_address_display": "郵送先",
        "phone": "電話番号",
        "mobile": "携帯番号",
        "certification_number": "技師認定番号",
        "certification_expires_on": "認定有効期限",
    }

    inspect_view_fields = [
        "member_number",
        *MEMBER_NAME_FIELDS,
        "birth_date",
        "email",
        *MEMBER_CONTACT_FIELDS,
        "certification_number",
        "certification_expires_on",
        "status",
        "status_since",
        "status_reason",
        "joined_on",
        "profile_saved_at",
        "created_at",
        "updated_at",
    ]

    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("member_number"),
                    FieldRowPanel([FieldPanel("family_name"), FieldPanel("given_name")], heading="氏名"),
                    FieldRowPanel([FieldPanel("family_name_kana"), FieldPanel("given_name_kana")], heading="フリガナ"),
                    FieldPanel("alternate_name"),
                    FieldPanel("birth_date"),
                    FieldPanel("email"),
                ],
                heading="基本情報",
            ),
            ObjectList(
                [
                    MultiFieldPanel(
                        [
                            FieldPanel("home_postal_code"),
                            FieldPanel("home_prefecture"),
                            FieldPanel("home_address1"),
                            FieldPanel("home_address2"),
                        ],
                        heading="自宅",
                    ),
                    MultiFieldPanel(
                        [
                            FieldPanel("workplace_name"),
                            FieldPanel("workplace_postal_code"),
                            FieldPanel("workplace_prefecture"),
                            FieldPanel("workplace_address1"),
                            FieldPanel("workplace_address2"),
                        ],
                        heading="勤務先",
                    ),
                    FieldPanel("mailing_address"),
                    FieldRowPanel([FieldPanel("phone"), FieldPanel("mobile")], heading="電話"),
                ],
                heading="連絡先",
            ),
            ObjectList(
                [FieldPanel("certification_number"), FieldPanel("certification_expires_on")],
                heading="資格",
            ),
            ObjectList(
                [
                    FieldPanel("status"),
                    FieldPanel("status_since"),
                    FieldPanel("status_reason"),
                    FieldPanel("joined_on"),
                ],
                heading="状態",
                help_text="ステータスを変更するときは、変更日と変更理由も入力してください。",
            ),
        ],
        base_form_class=MemberAdminForm,
    )

    def get_queryset(self, request):
        return Member.objects.select_related("user")
