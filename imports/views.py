"""Admin screens: the job list, upload, preview / progress / result, confirm, cancel.

Views check input and permission and call one service; they never write the ORM
themselves. Every view needs the ``imports.run_import`` permission (superusers have it);
Wagtail's ``require_admin_access`` (added by ``register_admin_urls``) already keeps out
anonymous visitors and accounts without admin access.
"""

import csv
import io
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from . import services
from .forms import ConfirmForm, UploadForm
from .models import ImportJob
from .registry import registry
from .report import DEFAULT_OUTCOMES, ERROR

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
        samples = result.get("samples", {})
        errors = result.get("errors", [])
        outcomes = job_outcomes(job, kind)
        counts = result_counts(job, outcomes)
        context.update(
            job=job,
            kind=kind,
            result=result,
            counts=[(label, counts[key], key) for key, label in outcomes],
            sections=[
                {
                    "outcome": key,
                    "label": label,
                    "rows": samples[key],
                    "count": counts[key],
                    "has_changes": any(row.get("changes") for row in samples[key]),
                }
                for key, label in outcomes
                if samples.get(key)
            ],
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


Phase = ImportJob.Phase


def progress_status(job):
    """What the job page shows while a step runs, rendered in the page and polled by its script
    (the status JSON): the phase in a sentence, and the rows read, checked and written."""
    return {
        "state": job.state,
        "state_label": job.get_state_display(),
        "running": job.is_running,
        "phase": job.phase,
        "phase_label": job.get_phase_display(),
        "phase_text": phase_text(job),
        "total_rows": job.total_rows,
        "read_rows": job.read_rows,
        "processed_rows": job.processed_rows,  # rows checked
        "written_rows": job.written_rows,
        "percent": job.progress_percent,
        "steps": progress_steps(job),
    }


def phase_text(job):
    if not job.is_running:
        return job.get_state_display()
    if job.phase == Phase.READING:
        return "ファイルを読み込んでいます。"
    if job.phase == Phase.CHECKING:
        again = "取り込む前にもう一度" if job.state == ImportJob.State.APPLYING else ""
        return f"{again}内容を確認しています({job.processed_rows:,} / {job.total_rows:,} 行)。"
    if job.phase == Phase.WRITING:
        return f"{job.total_rows:,} 行をまとめて書き込んでいます(全件を取り込むか、何も変更しないかのどちらかです)。"
    return "処理の開始を待っています。"


def progress_steps(job):
    """[{key, label, text}]: rows read, checked and (when applying) written."""
    waiting = job.is_running and job.phase in (Phase.WAITING, Phase.READING)
    if job.is_running and job.phase == Phase.READING:
        read = "読み込み中"
    else:
        read = "待機中" if waiting else f"{job.read_rows:,} 行"
    checked = "待機中" if waiting else f"{job.processed_rows:,} / {job.total_rows:,} 行"
    steps = [
        {"key": "read", "label": "読み込み", "text": read},
        {"key": "check", "label": "確認", "text": checked},
    ]
    if job.state in (ImportJob.State.APPLYING, ImportJob.State.APPLIED):
        if job.state == ImportJob.State.APPLIED:
            written = f"{job.written_rows:,} 行"
        else:
            written = "書き込み中" if job.phase == Phase.WRITING else "待機中"
        steps.append({"key": "write", "label": "書き込み", "text": written})
    return steps


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
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"{import_kind.label}_テンプレート.{fmt}")
    return response


@import_permission_required
def errors_csv(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["行", "列", "内容"])
    if job.header_error:
        writer.writerow([1, "", job.header_error])
    for error in (job.result or {}).get("errors", []):
        writer.writerow([error["row"], error["column"], error["message"]])
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"取込{job.pk}_エラー一覧.csv")
    return response
