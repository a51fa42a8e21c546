"""Admin screens: the job list, upload, preview / progress / result (every row of every class,
paged), confirm, cancel, and the downloads (templates, errors, each class of rows).

Views check input and permission and call one service; they never write the ORM
themselves. Every view needs the ``imports.run_import`` permission (superusers have it);
Wagtail's ``require_admin_access`` (added by ``register_admin_urls``) already keeps out
anonymous visitors and accounts without admin access.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from . import exports, services
from .forms import ConfirmForm, UploadForm
from .models import ImportJob
from .progress import progress_status
from .readers import EXAMPLE_MARK
from .registry import registry
from .report import DEFAULT_OUTCOMES, ERROR
from .rows import PAGE_ROWS, class_rows

PERMISSION = "imports.run_import"
ERRORS_SHOWN = 1000
JOBS_PER_PAGE = 50


def can_import(user):
    return user.is_authenticated and user.is_active and user.has_perm(PERMISSION)


def import_permission_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_import(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class ImportPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ImportsBase(ImportPermissionMixin, WagtailAdminTemplateMixin):
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("imports:index"), "label": "取込"}]


class JobIndexView(ImportsBase, TemplateView):
    template_name = "imports/index.html"
    page_title = "取込"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"label": "取込"}]

    def get_header_buttons(self):
        return [HeaderButton("新しい取込", url=reverse("imports:upload"), icon_name="plus")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = ImportJob.objects.select_related("created_by", "decided_by").defer("result")
        kind = self.request.GET.get("kind")
        if kind and registry.get(kind):
            jobs = jobs.filter(kind=kind)
        page = Paginator(jobs, JOBS_PER_PAGE).get_page(self.request.GET.get("p"))
        context.update(page=page, jobs=page.object_list, kinds=registry.all(), current_kind=kind)
        return context


class UploadView(ImportsBase, FormView):
    template_name = "imports/upload.html"
    page_title = "新しい取込"
    form_class = UploadForm

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"label": "新しい取込"}]

    def selected_kind(self):
        key = self.request.POST.get("kind") or self.request.GET.get("kind")
        return registry.get(key) or (registry.all() or [None])[0]

    def get_initial(self):
        kind = self.selected_kind()
        return {"kind": kind.key} if kind else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            kinds=registry.all(),
            kind=self.selected_kind(),
            background_rows=services.background_threshold(),
            example_mark=EXAMPLE_MARK,
        )
        return context

    def form_valid(self, form):
        try:
            job = services.upload(
                user=self.request.user, kind=form.cleaned_data["kind"], uploaded_file=form.cleaned_data["file"]
            )
        except services.ImportJobError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        return redirect("imports:job", pk=job.pk)


class JobDetailView(ImportsBase, TemplateView):
    template_name = "imports/job.html"

    def dispatch(self, request, *args, **kwargs):
        job = get_object_or_404(ImportJob.objects.select_related("created_by", "decided_by"), pk=kwargs["pk"])
        # A job whose process is gone (killed worker) goes back to where staff can act.
        self.job = services.release_if_stalled(job=job)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"取込 #{self.job.pk}"

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.job
        kind = registry.get(job.kind)
        result = job.result or {}
        errors = result.get("errors", [])
        outcomes = job_outcomes(job, kind)
        counts = result_counts(job, outcomes)
        context.update(
            job=job,
            kind=kind,
            result=result,
            counts=[(label, counts[key], key) for key, label in outcomes],
            sections=self.sections(outcomes, counts),
            applied_summary="、".join(f"{label} {counts[key]:,}件" for key, label in outcomes if key != ERROR),
            reimport_note=kind.reimport_note if kind else "",
            notes=result.get("notes", []),
            columns=result.get("columns", []),
            errors=errors[:ERRORS_SHOWN],
            errors_total=len(errors),
            errors_cut=len(errors) > ERRORS_SHOWN,
            previous=services.previous_application(job) if job.state != ImportJob.State.APPLIED else None,
            confirm_form=ConfirmForm(kind=kind) if job.can_apply else None,
            options=kind.describe_options(job.options) if kind else [],
            status_url=reverse("imports:status", args=[job.pk]),
            progress=progress_status(job),
        )
        return context

    def shown_cells(self, cells):
        kind = registry.get(self.job.kind)
        return kind.shown_cells(cells, applied=self.job.state == ImportJob.State.APPLIED) if kind else cells

    def sections(self, outcomes, counts):
        """A table per class of rows, each paged (``?rows=<class>&p=<page>`` pages one of them)."""
        selected, number = self.request.GET.get("rows"), self.request.GET.get("p")
        with_changes = (self.job.result or {}).get("with_changes") or ()
        sections = []
        for key, label in outcomes:
            rows, complete = class_rows(self.job, key)
            if not counts[key] or not rows:
                continue
            page = Paginator(rows, PAGE_ROWS).get_page(number if key == selected else 1)
            shown = [{**row, "cells": self.shown_cells(row["cells"])} for row in page.object_list]
            sections.append(
                {
                    "outcome": key,
                    "label": label,
                    "count": counts[key],
                    "page": page,
                    "rows": shown,
                    "complete": complete,
                    "has_changes": key in with_changes if complete else any(row["changes"] for row in shown),
                }
            )
        return sections


def job_outcomes(job, kind):
    """[(key, label)] of the classes of the job's rows: as stored with its result, else the kind's."""
    stored = (job.result or {}).get("outcomes")
    if stored:
        return [(key, label) for key, label in stored]
    return [(outcome.key, outcome.label) for outcome in (kind.outcomes if kind else DEFAULT_OUTCOMES)]


def result_counts(job, outcomes):
    """Count per class: from the stored result, falling back to the job's count columns."""
    stored = (job.result or {}).get("counts") or {}
    return {key: stored.get(key, getattr(job, f"{key}_count", 0)) for key, _label in outcomes}


@import_permission_required
def job_status(request, pk):
    job = services.release_if_stalled(job=get_object_or_404(ImportJob.objects.defer("result"), pk=pk))
    return JsonResponse(progress_status(job))


@require_POST
@import_permission_required
def confirm(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    form = ConfirmForm(request.POST, kind=registry.get(job.kind))
    if not form.is_valid():  # checkboxes only: cannot happen
        messages.error(request, "取込の設定が正しくありません。もう一度確認してください。")
        return redirect("imports:job", pk=pk)
    try:
        job = services.start_apply(job=job, user=request.user, options=form.cleaned_data)
    except services.ImportJobError as error:
        messages.error(request, error.message)
        return redirect("imports:job", pk=pk)
    if job.state == ImportJob.State.APPLIED:
        kind = registry.get(job.kind)
        if kind is not None:
            summary = kind.summary(result_counts(job, job_outcomes(job, kind)))
        else:
            summary = f"新規 {job.new_count:,}件、更新 {job.updated_count:,}件"
        messages.success(request, f"取り込みました({summary})。")
    elif job.state == ImportJob.State.APPLYING:
        messages.success(request, "取込を開始しました。この画面を離れても処理は続きます。")
    else:
        messages.error(request, job.message or "取り込めませんでした。")
    return redirect("imports:job", pk=pk)


@require_POST
@import_permission_required
def preview_again(request, pk):
    """もう一度確認する: a job whose preview was interrupted (back at ``uploaded``)."""
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        job = services.start_preview(job=job)
    except services.ImportJobError as error:
        messages.error(request, error.message)
        return redirect("imports:job", pk=pk)
    if job.state == ImportJob.State.FAILED:
        messages.error(request, job.message or "ファイルを確認できませんでした。")
    return redirect("imports:job", pk=pk)


@require_POST
@import_permission_required
def cancel(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        services.cancel_job(job=job, user=request.user)
    except services.ImportJobError as error:
        messages.error(request, error.message)
        return redirect("imports:job", pk=pk)
    messages.success(request, f"取込 #{pk} を取り消しました。データは変更していません。")
    return redirect("imports:index")


@import_permission_required
def template_download(request, kind, fmt):
    import_kind = registry.get(kind)
    if import_kind is None or fmt not in ("csv", "xlsx"):
        raise Http404
    if fmt == "csv":
        body, content_type = import_kind.template_csv(), "text/csv; charset=utf-8"
    else:
        body = import_kind.template_xlsx()
        content_type = exports.XLSX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"{import_kind.label}_テンプレート.{fmt}")
    return response


@import_permission_required
def errors_csv(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    body = "".join(exports.csv_stream(*exports.errors_table(job))).encode("utf-8")
    response = HttpResponse(body, content_type=exports.CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"取込{job.pk}_エラー一覧.csv")
    return response


@import_permission_required
def rows_download(request, pk, outcome, fmt):
    """Every row of one class of the job, as CSV or XLSX."""
    job = get_object_or_404(ImportJob, pk=pk)
    labels = dict(job_outcomes(job, registry.get(job.kind)))
    if outcome not in labels or fmt not in ("csv", "xlsx") or not class_rows(job, outcome)[1]:
        raise Http404
    header, rows = exports.class_table(job, outcome)
    if fmt == "csv":
        response = StreamingHttpResponse(exports.csv_stream(header, rows), content_type=exports.CSV_CONTENT_TYPE)
    else:
        body = exports.xlsx_bytes(header, rows, title=labels[outcome])
        response = HttpResponse(body, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"取込{job.pk}_{labels[outcome]}.{fmt}")
    return response
