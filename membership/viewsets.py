"""The staff's member management in the Wagtail admin (registered in wagtail_hooks.py).

- ``MemberViewSet``: listing with search, filters, ordering and CSV/XLSX export; a tabbed
  edit form (``admin_forms.MemberAdminForm``); an inspect view; the history.
- ``MemberEditAction``: Wagtail's edit action for members, which records what changed
  (field label, old value, new value) in the log entry's ``data``; the history view and the
  site-wide log report show it through ``MemberEditLogFormatter``.
"""

import datetime

import django_filters
from django import forms
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.actions.delete import DeleteAction
from wagtail.actions.edit import EditAction
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column
from wagtail.admin.views.generic.history import ActionColumn
from wagtail.log_actions import LogFormatter, log
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_kit import NoChooserMixin

from .admin_forms import MemberAdminForm
from .models import MEMBER_CONTACT_FIELDS, MEMBER_NAME_FIELDS, PREFECTURE_CHOICES, Member
from .search import MemberSearchMixin

MEMBER_EDIT_ACTION = "membership.member.edit"
EMPTY_DISPLAY = "(空欄)"

# --- what changed ----------------------------------------------------------------------------

# Fields whose changes are not worth a line in the history (bookkeeping, not member data).
UNTRACKED_FIELDS = {"id", "user", "profile_saved_at", "created_at", "updated_at"}
EMAIL_LABEL = "メールアドレス"


def _tracked_fields():
    return [f for f in Member._meta.concrete_fields if f.name not in UNTRACKED_FIELDS]


def member_snapshot(member):
    """The values the history compares: the member's own fields plus the account's e-mail."""
    values = {f.name: f.value_from_object(member) for f in _tracked_fields()}
    values["email"] = member.user.email if member.user_id else ""
    return values


def _display(field, value):
    if value in (None, ""):
        return ""
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def member_changes(before, after):
    """[{"field", "label", "old", "new"}] for every tracked value that differs, in form order."""
    changes = []
    for field in [*_tracked_fields(), None]:
        name = field.name if field else "email"
        old, new = before.get(name), after.get(name)
        if (old or None) == (new or None):
            continue
        changes.append(
            {
                "field": name,
                "label": str(field.verbose_name) if field else EMAIL_LABEL,
                "old": _display(field, old),
                "new": _display(field, new),
            }
        )
    return changes


class MemberEditAction(EditAction):
    """Wagtail's edit action, logging ``membership.member.edit`` with the changes as data.

    Registered for Member through the ``register_actions`` hook, so every edit that goes
    through Wagtail's action registry (the admin edit view, the API) is logged alike.
    """

    def __init__(self, instance, user=None, *, log_action="wagtail.edit", **kwargs):
        super().__init__(instance, user, log_action=False, **kwargs)
        self.member_log_action = MEMBER_EDIT_ACTION if log_action == "wagtail.edit" else log_action

    def _edit(self, skip_permission_checks=False):
        with transaction.atomic():
            stored = Member.objects.select_for_update().select_related("user").get(pk=self.instance.pk)
            before = member_snapshot(stored)
            instance = super()._edit(skip_permission_checks=skip_permission_checks)
            changes = member_changes(before, member_snapshot(instance))
            if self.member_log_action:
                log(
                    instance=instance,
                    action=self.member_log_action,
                    user=self.user,
                    data={"changes": changes},
                    content_changed=bool(changes),
                )
        return instance


class MemberDeleteAction(DeleteAction):
    """Deleting a member (a record entered by mistake; leavers are 退会, not deleted) also
    removes its account, so the member number can be used again. An account that other
    records still point to is deactivated instead."""

    def _delete(self):
        with transaction.atomic():
            account = self.instance.user
            result = super()._delete()
            try:
                with transaction.atomic():
                    account.delete()
            except (ProtectedError, IntegrityError):
                account.is_active = False
                account.set_unusable_password()
                account.save(update_fields=["is_active", "password", "password_changed_at"])
        return result


def describe_changes(changes):
    return "、".join(f"{c['label']}「{c['old'] or EMPTY_DISPLAY}」→「{c['new'] or EMPTY_DISPLAY}」" for c in changes)


class MemberEditLogFormatter(LogFormatter):
    label = "会員情報の変更"

    def format_message(self, log_entry):
        changes = (log_entry.data or {}).get("changes") or []
        if not changes:
            return "会員情報を保存しました(変更なし)"
        return f"会員情報を変更しました: {describe_changes(changes)}"


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


NAME_ORDERING = ["family_name_kana", "given_name_kana", "member_number"]


class MemberIndexView(MemberSearchMixin, snippet_views.IndexView):
    member_prefix = ""

    @cached_property
    def columns(self):
        # No bulk selection: bulk deletion would bypass MemberDeleteAction (accounts stay behind).
        return [column for column in super().columns if not isinstance(column, BulkActionsCheckboxColumn)]

    def order_queryset(self, queryset):
        # 氏名 sorts in 五十音 order, by the furigana.
        if self.ordering in ("name", "-name"):
            prefix = "-" if self.ordering.startswith("-") else ""
            return queryset.order_by(*[prefix + field for field in NAME_ORDERING])
        return super().order_queryset(queryset)

    def get_filename(self):
        return f"members-{timezone.localdate():%Y%m%d}"

    def stream_csv(self, queryset):
        # A byte-order mark, so that Excel on Japanese Windows reads the file as UTF-8.
        yield "\ufeff"
        yield from super().stream_csv(queryset)

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        # Members type their own addresses: never let a cell start a spreadsheet formula.
        if export_format == self.FORMAT_CSV and isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            return "'" + value
        return value


# --- history and inspect ---------------------------------------------------------------------


class MemberChangesColumn(ActionColumn):
    """The history's action column, listing each change (field, old → new) under the action."""

    cell_template_name = "membership/admin/history_action_cell.html"


class MemberHistoryView(snippet_views.HistoryView):
    @cached_property
    def columns(self):
        columns = list(super().columns)
        action = columns[0]
        columns[0] = MemberChangesColumn(
            action.name,
            label=action.label,
            object=action.object,
            url_names=action.url_names,
            user_can_unschedule=action.user_can_unschedule,
        )
        return columns


class MemberInspectView(snippet_views.InspectView):
    template_name = "membership/admin/member_inspect.html"

    def get_context_data(self, **kwargs):
        from .admin_sections import member_sections

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
        Column("full_name", label="氏名", sort_key="name"),
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
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "alternate_name",
        "birth_date",
        "user.email",
        "get_status_display",
        "status_since",
        "status_reason",
        "joined_on",
        "home_postal_code",
        "home_prefecture",
        "home_address1",
        "home_address2",
        "workplace_name",
        "workplace_postal_code",
        "workplace_prefecture",
        "workplace_address1",
        "workplace_address2",
        "get_mailing_address_display",
        "phone",
        "mobile",
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
