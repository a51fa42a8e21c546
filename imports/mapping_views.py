"""「列の対応付け」: staff say which heading of their sheet is which column of the import.

Opened from a job's page (a file whose headings differ from the template's: required columns
missing, or columns read past). Lists the file's headings that are not the template's, and the
mappings saved for the kind, each with a choice of column (or 使わない); saving stores them
(``column_mappings.save_mappings``) and checks the file again as a new job.
"""

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView
from wagtail.admin import messages

from . import column_mappings
from .models import ImportJob
from .registry import registry
from .views import ImportsBase

UNUSED = ""


class ColumnMappingForm(forms.Form):
    """One choice per heading (``heading_<n>``): a column of the kind, or 使わない."""

    def __init__(self, *args, headings, columns, required, saved, **kwargs):
        super().__init__(*args, **kwargs)
        self.headings = headings
        choices = [(UNUSED, "使わない(読み飛ばす)")] + [
            (column, f"{column}(必須)" if column in required else column) for column in columns
        ]
        for position, heading in enumerate(headings):
            self.fields[f"heading_{position}"] = forms.ChoiceField(
                label=heading, choices=choices, required=False, initial=saved.get(heading, UNUSED)
            )

    def choices(self):
        """{heading: column or ""} as chosen."""
        return {heading: self.cleaned_data.get(f"heading_{n}") or UNUSED for n, heading in enumerate(self.headings)}


class ColumnMappingView(ImportsBase, FormView):
    template_name = "imports/mapping.html"
    page_title = "列の対応付け"
    form_class = ColumnMappingForm

    def dispatch(self, request, *args, **kwargs):
        self.job = get_object_or_404(ImportJob, pk=kwargs["pk"])
        self.kind = registry.get(self.job.kind)
        if self.kind is None:
            raise Http404
        self.columns_read = (self.job.result or {}).get("columns_read") or {}
        self.saved = column_mappings.mappings_of(self.kind)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("imports:job", args=[self.job.pk]), "label": f"取込 #{self.job.pk}"},
            {"label": self.page_title},
        ]

    def headings(self):
        """The file's headings other than the kind's columns, then the other headings saved."""
        known = set(self.kind.known_columns())
        in_file = [heading for heading in self.columns_read.get("headings", []) if heading not in known]
        saved = [heading for heading in self.saved if heading not in in_file]
        return list(dict.fromkeys(in_file)), saved

    def get_form_kwargs(self):
        in_file, saved = self.headings()
        return {
            **super().get_form_kwargs(),
            "headings": [*in_file, *saved],
            "columns": column_mappings.column_choices(self.kind),
            "required": set(self.kind.missing_columns([])),
            "saved": self.saved,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        in_file, saved = self.headings()
        form = context["form"]
        fields = list(form)
        context.update(
            job=self.job,
            kind=self.kind,
            file_fields=fields[: len(in_file)],
            saved_fields=fields[len(in_file) :],
            missing=self.kind.missing_columns(self.columns_read.get("headings", [])),
            can_preview=bool(self.job.file) and not self.job.file_deleted_at and not self.job.is_running,
        )
        return context

    def form_valid(self, form):
        try:
            changed = column_mappings.save_mappings(kind=self.kind, choices=form.choices(), user=self.request.user)
        except column_mappings.ColumnMappingError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        if self.job.is_running or not self.job.file or self.job.file_deleted_at:
            messages.success(self.request, f"列の対応付けを保存しました({changed}件)。")
            return redirect("imports:job", pk=self.job.pk)
        try:
            new_job = column_mappings.preview_with_mappings(job=self.job, user=self.request.user)
        except column_mappings.ColumnMappingError as error:
            messages.error(self.request, error.message)
            return redirect("imports:job", pk=self.job.pk)
        messages.success(
            self.request,
            f"列の対応付けを保存しました({changed}件)。同じファイルを取込 #{new_job.pk} として確認し直しました。",
        )
        return redirect("imports:job", pk=new_job.pk)
