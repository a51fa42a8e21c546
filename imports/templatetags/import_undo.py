"""``{% import_undo_panel job %}``: the job page's part about reviewing and undoing an applied
job (links to what it wrote, 「取り込みを取り消す」 or why it cannot be undone, and who undid it).
Computed here so that the job page's view needs nothing for it; cheap (no blocker check: the
confirm page does that)."""

from django import template

from ..models import ImportJob
from ..registry import registry
from ..undo import undo_refusal

register = template.Library()


@register.inclusion_tag("imports/_undo_panel.html")
def import_undo_panel(job):
    kind = registry.get(job.kind)
    applied = job.state == ImportJob.State.APPLIED
    refusal = undo_refusal(job) if applied else ""
    return {
        "job": job,
        "applied": applied,
        "undone": job.state == ImportJob.State.UNDONE,
        "can_undo": applied and not refusal,
        "refusal": refusal,
        "review_links": kind.review_links(job) if kind and applied else [],
    }
