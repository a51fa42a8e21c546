"""Column mappings: staff's own headings read as an import's columns (「列の対応付け」).

A sheet made at the reception desk says 会員No where the template says 会員番号. Staff map such
a heading once, on the page of the job that could not read it (``mapping_views``); the mapping
is kept per kind (``ColumnMapping``) and every later file of that kind is read with it
(``apply_mappings``, called by ``ImportKind.read_headers``). A file's own template heading
always wins: a mapped heading is read as its column only when the file lacks that column.

Saving writes one history entry per change (``imports.column_mapping.saved`` / ``.deleted``,
with who did it). ``preview_with_mappings`` then checks the job's file again as a new job (the
old job, if it could still be confirmed, is cancelled): what staff confirm is always a preview
made with the mappings of the moment.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from wagtail import hooks
from wagtail.log_actions import LogFormatter, log

from . import services
from .models import ColumnMapping, ImportJob
from .readers import normalize_header

SAVED_ACTION = "imports.column_mapping.saved"
DELETED_ACTION = "imports.column_mapping.deleted"


class ColumnMappingError(Exception):
    """A mapping that cannot be saved; the message is shown to staff."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def mappings_of(kind):
    """{heading: column} saved for ``kind``."""
    return dict(ColumnMapping.objects.filter(kind=kind.key).values_list("heading", "column"))


def apply_mappings(kind, headers, saved):
    """``headers`` with the headings mapped in ``saved`` ({heading: column}, ``mappings_of``)
    renamed to their columns, and [[heading, column]] of those renamed. A column the file has
    itself, or that an earlier heading took, is left alone."""
    if not saved:
        return headers, []
    known = set(kind.known_columns())
    taken = {header for header in headers if header in known}
    renamed = list(headers)
    mapped = []
    for position, header in enumerate(headers):
        column = saved.get(header)
        if header in known or column is None or column not in known or column in taken:
            continue
        renamed[position] = column
        taken.add(column)
        mapped.append([header, column])
    return renamed, mapped


def column_choices(kind):
    """The columns a heading may be mapped to: the kind's columns and those it reads when present."""
    return kind.known_columns()


@transaction.atomic
def save_mappings(*, kind, choices, user):
    """Save {heading: column} for ``kind`` ("" or None forgets a heading's mapping); returns the
    number of mappings changed. Each change gets a history entry."""
    known = set(column_choices(kind))
    wanted = {}
    for heading, column in choices.items():
        heading = normalize_header(heading)[:100]
        if not heading:
            continue
        if heading in known:
            raise ColumnMappingError(f"見出し「{heading}」はそのまま「{heading}」の列として読みます。")
        if column and column not in known:
            raise ColumnMappingError(f"「{column}」は{kind.label}の列ではありません。")
        wanted[heading] = column or ""
    columns = [column for column in wanted.values() if column]
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise ColumnMappingError(f"「{'、'.join(repeated)}」に2つ以上の見出しを割り当てています。1つにしてください。")
    current = {
        mapping.heading: mapping
        for mapping in ColumnMapping.objects.select_for_update().filter(kind=kind.key, heading__in=wanted)
    }
    changed = 0
    now = timezone.now()
    for heading, column in wanted.items():
        mapping = current.get(heading)
        if not column:
            if mapping is not None:
                log(instance=mapping, action=DELETED_ACTION, user=user, data=_data(kind, mapping))
                mapping.delete()
                changed += 1
            continue
        if mapping is not None and mapping.column == column:
            continue
        if mapping is None:
            mapping = ColumnMapping(kind=kind.key, heading=heading)
        mapping.column, mapping.updated_by, mapping.updated_at = column, user, now
        mapping.save()
        log(instance=mapping, action=SAVED_ACTION, user=user, data=_data(kind, mapping))
        changed += 1
    return changed


def preview_with_mappings(*, job, user):
    """Check the job's file again, with the mappings saved now, as a new job; returns it.

    The old job is cancelled if it could still be confirmed (nothing of it was written).
    """
    if job.file_deleted_at or not job.file:
        raise ColumnMappingError(
            "元のファイルが削除されているため、確認し直せません。もう一度アップロードしてください。"
        )
    with job.file.open("rb") as handle:
        data = handle.read()
    if job.can_cancel and job.state != ImportJob.State.PREVIEWING:
        services.cancel_job(job=job, user=user)
    new_job = services.create_job(user=user, kind=job.kind, uploaded_file=ContentFile(data, name=job.file_name))
    return services.start_preview(job=new_job)


def _data(kind, mapping):
    return {"kind": kind.key, "kind_label": kind.label, "heading": mapping.heading, "column": mapping.column}


class MappingSavedLogFormatter(LogFormatter):
    label = "列の対応付けを設定"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return f"{data.get('kind_label', '')}: 見出し「{data.get('heading', '')}」を「{data.get('column', '')}」として読みます"


class MappingDeletedLogFormatter(LogFormatter):
    label = "列の対応付けを削除"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return f"{data.get('kind_label', '')}: 見出し「{data.get('heading', '')}」の対応付けをやめました"


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(SAVED_ACTION)(MappingSavedLogFormatter)
    actions.register_action(DELETED_ACTION)(MappingDeletedLogFormatter)
