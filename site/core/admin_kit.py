"""The admin kit: listing, inspect, history and action-form views every app's admin screens
are built from (Wagtail snippet viewsets), with the permission and export rules they share.

- ``ReadOnlyIndexView`` / ``ReadOnlyInspectView`` / ``ReadOnlyHistoryView`` /
  ``InspectInsteadOfEditView``: rows changed only through actions on their inspect page;
- ``ActionFormView``: a small confirm form that calls one service (the service writes the
  audit entry with the acting user); a ``DomainError`` refuses with its message;
- ``SafeExportMixin``: CSV for Excel, no formula injection (``spreadsheet_safe``);
- ``NoChooserMixin``, ``RestrictedPermissionPolicy``, ``PermissionMenuItem``.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, View
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views import snippets as snippet_views

from .dates import date_display, datetime_display  # noqa: F401 (the kit's formatters, used by every admin)
from .errors import DomainError


class RestrictedPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, but only for ``actions``: money rows are never deleted here,
    payments are only looked at. Registered for the models in wagtail_hooks.py."""

    def __init__(self, model, actions):
        super().__init__(model)
        self.actions = frozenset(actions)

    def user_has_permission(self, user, action):
        return action in self.actions and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action in self.actions]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)


class PermissionMenuItem(AdminMenuItem):
    """An admin menu entry shown only to users with ``permission``."""

    def __init__(self, *args, permission, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class NoChooserMixin:
    """For a SnippetViewSet: do not register Wagtail's snippet chooser for the model.

    Every SnippetViewSet normally also registers a chooser (the modal behind
    ``/admin/snippets/choose/<app>/<model>/``: ``choose``, ``results``, ``chosen/<pk>``,
    ``chosen-multiple``, ``create``). Its views do no permission check beyond admin access, so
    an editor (編集者) without any member permission could list members and invoices there.
    Nothing in this project uses those choosers, so they are not registered at all: the URLs
    are not added (404), and no chooser widget is registered for foreign keys to the model.
    """

    def register_chooser_viewset(self):
        pass


class NoteLogFormatter(LogFormatter):
    """A decision logged with the note the member was sent: 「<message>(連絡: …)」."""

    message = ""

    def format_message(self, log_entry):
        note = (log_entry.data or {}).get("note")
        return self.message + (f"(連絡: {note})" if note else "")


class NoteForm(forms.Form):
    """An action's optional note to the member (it goes into the mail)."""

    note = forms.CharField(
        label="会員への連絡",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="会員へのメールに記載され、会員ページにも表示されます。",
    )


class RequiredNoteForm(NoteForm):
    """The note is the reason, and required (差戻し, 承認取消)."""

    note_label = "差戻しの理由"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        note = self.fields["note"]
        note.label = self.note_label
        note.required = True
        note.error_messages["required"] = f"{self.note_label}を入力してください(会員へのメールに記載されます)。"


# What makes a spreadsheet read a cell as a formula (OWASP "CSV injection"): these first
# characters, also after a leading tab or carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell value Excel shows as text: a string starting like a formula gets a leading ``'``.
    The one rule of every CSV export (SafeExportMixin, the inquiries' export)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeExportMixin:
    """CSV readable by Excel on Japanese Windows, and no spreadsheet formulas from our data."""

    export_name = "export"

    def get_filename(self):
        return f"{self.export_name}-{timezone.localdate():%Y%m%d}"

    def stream_csv(self, queryset):
        yield "\ufeff"  # a byte-order mark: Excel then reads the file as UTF-8
        yield from super().stream_csv(queryset)

    def preprocess_field_value(self, field, value, export_format):
        # Times come out in Asia/Tokyo through Wagtail's own preprocessing (core.admin_display).
        value = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_CSV:
            return spreadsheet_safe(value)
        return value


class ReadOnlyIndexView(SafeExportMixin, snippet_views.IndexView):
    """A listing whose rows open the inspect page; no edit form, no (bulk) deletion."""

    title_label = ""
    history_url_name = None

    @cached_property
    def columns(self):
        columns = [column for column in super().columns if not isinstance(column, BulkActionsCheckboxColumn)]
        if self.title_label:
            columns[0].label = self.title_label
        return columns

    def get_edit_url(self, instance):
        return None

    def get_delete_url(self, instance):
        return None

    def get_history_url(self, instance):
        return reverse(self.history_url_name, args=[instance.pk])

    def row_actions(self, instance):
        """MenuItems for the row's more-menu, besides 詳細 and 履歴."""
        return []

    def get_list_more_buttons(self, instance):
        buttons = [*self.row_actions(instance), *super().get_list_more_buttons(instance)]
        buttons.append(MenuItem("履歴", url=self.get_history_url(instance), icon_name="history", priority=90))
        return buttons


class ReadOnlyInspectView(snippet_views.InspectView):
    history_url_name = None

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "-" if value is None or value == "" else value

    def get_edit_url(self):
        return None

    def get_delete_url(self):
        return None

    def header_actions(self):
        """HeaderButtons for what may be done with this object now."""
        return []

    @cached_property
    def header_buttons(self):
        return self.header_actions()

    @cached_property
    def header_more_buttons(self):
        return [Button("履歴", url=reverse(self.history_url_name, args=[self.object.pk]), icon_name="history")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history_url"] = reverse(self.history_url_name, args=[self.object.pk])
        return context


class ReadOnlyHistoryView(snippet_views.HistoryView):
    """The history of a money row: open to whoever may look at the row; leads back to its
    inspect page (there is no edit form)."""

    any_permission_required = ["add", "change", "view"]
    inspect_url_name = None

    def get_edit_url(self, instance):
        return reverse(self.inspect_url_name, args=[instance.pk])

    @cached_property
    def header_buttons(self):
        return [HeaderButton("詳細", url=self.get_edit_url(self.object), icon_name="info-circle")]


class InspectInsteadOfEditView(PermissionCheckedMixin, View):
    """Money rows have no edit form: the edit URL shows the inspect page (and its actions)."""

    any_permission_required = ["add", "change", "view"]
    model = None
    inspect_url_name = None

    def get(self, request, pk):
        return redirect(self.inspect_url_name, pk)

    def post(self, request, pk):
        messages.warning(request, "この画面では直接編集できません。詳細画面の操作ボタンを使ってください。")
        return redirect(self.inspect_url_name, pk)


class ActionFormView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """A small form page that does one thing to one object, after the staff confirm it."""

    permission_required = "change"
    template_name = "core/admin/action_form.html"
    model = None
    index_url_name = None
    inspect_url_name = None
    header_icon = ""
    breadcrumbs_items = WagtailAdminTemplateMixin.breadcrumbs_items
    page_title = ""
    submit_label = "実行する"
    submit_class = ""
    explanation = ""
    # The domain errors whose message refuses the action (shown above the form).
    refusals = (DomainError,)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])

    def get_queryset(self):
        return self.model._default_manager.all()

    def get_page_subtitle(self):
        return str(self.object)

    @property
    def inspect_url(self):
        return reverse(self.inspect_url_name, args=[self.object.pk])

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": self.model._meta.verbose_name_plural},
            {"url": self.inspect_url, "label": str(self.object)},
            {"url": "", "label": self.get_page_title()},
        ]

    def blocked_reason(self):
        """Why the action cannot be done now (shown instead of the button), or ''."""
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            summary=self.summary(),
            blocked=self.blocked_reason(),
            warnings=self.warnings(),
            inspect_url=self.inspect_url,
            submit_label=self.submit_label,
            submit_class=self.submit_class,
            explanation=self.explanation,
        )
        return context

    def summary(self):
        """[(label, value)] describing the object above the form."""
        return []

    def warnings(self):
        return []

    def perform(self, data):
        """Call the service (with ``user=self.request.user``: it writes the audit entry) and
        return the changed object; the service raises a ``DomainError`` to refuse."""
        raise NotImplementedError

    def success_message(self, instance):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            instance = self.perform(form.cleaned_data)
        except self.refusals as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(instance))
        return redirect(self.inspect_url)


class WorkflowActionView(ActionFormView):
    """An ``ActionFormView`` for one transition of a ``core.workflow.Workflow``: the button is
    replaced by why not while the object's state does not allow it."""

    workflow = None
    transition = ""

    def state_label(self):
        return self.object.get_state_display()

    def blocked_reason(self):
        if not self.workflow.allowed(self.object, self.transition):
            return f"この申請は{self.state_label()}です。{self.page_title}はできません。"
        return ""


class ActionOnlyViewSetMixin(NoChooserMixin):
    """For a SnippetViewSet of rows changed only through actions on their inspect page (money,
    applications, registrations): no copy, no chooser, the edit URL shows the inspect page, the
    history leads back to it, and each ``action_views`` entry gets its URL ``<name>/<pk>/``
    named ``name`` (an ``ActionFormView``)."""

    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False
    index_template_name = "core/admin/readonly_index.html"
    edit_view_class = InspectInsteadOfEditView
    history_view_class = ReadOnlyHistoryView
    action_views = {}

    @property
    def edit_view(self):
        # InspectInsteadOfEditView takes none of the edit form's arguments.
        return self.construct_view(self.edit_view_class)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            *(
                path(f"{name}/<int:pk>/", self.construct_view(view), name=name)
                for name, view in self.action_views.items()
            ),
        ]
