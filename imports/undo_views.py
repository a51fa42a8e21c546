"""「取り込みを取り消す」: the confirm page of an applied job's undo (``imports.undo``).

GET lists what the undo does and, per row, what blocks it; POST calls ``undo.undo_job``.
The job page shows the button (``templatetags/import_undo.py``); the rest of that page is
``views.JobDetailView``'s.
"""

from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin import messages

from . import undo
from .models import ImportJob
from .registry import registry
from .services import ImportJobError
from .views import ImportsBase

BLOCKERS_SHOWN = 1000


class UndoView(ImportsBase, TemplateView):
    template_name = "imports/undo.html"
    header_icon = "rotate"

    def dispatch(self, request, *args, **kwargs):
        self.job = get_object_or_404(ImportJob.objects.select_related("decided_by"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"取込 #{self.job.pk} を取り消す"

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("imports:job", args=[self.job.pk]), "label": f"取込 #{self.job.pk}"},
            {"label": "取り消す"},
        ]

    def get_context_data(self, blockers=None, **kwargs):
        context = super().get_context_data(**kwargs)
        refusal = undo.undo_refusal(self.job)
        if blockers is None:
            blockers = [] if refusal else undo.undo_blockers(self.job)
        kind = registry.get(self.job.kind)
        context.update(
            job=self.job,
            refusal=refusal,
            description=kind.undo_description if kind else (),
            blockers=blockers[:BLOCKERS_SHOWN],
            blockers_total=len(blockers),
            has_rows=any(blocker.row for blocker in blockers),
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            job = undo.undo_job(job=self.job, user=request.user)
        except undo.UndoRefused as refused:
            messages.error(request, refused.message)
            return self.render_to_response(self.get_context_data(blockers=refused.blockers))
        except ImportJobError as error:
            messages.error(request, error.message)
            return redirect("imports:job", pk=self.job.pk)
        messages.success(request, f"取込 #{job.pk} を取り消しました。{job.undo_summary}")
        return redirect("imports:job", pk=job.pk)
