"""How far a running import step is, in words: rendered in the job page and polled by its
script (``imports:status``, ``static/imports/job-progress.js``), so both say the same."""

from .models import ImportJob

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
    if job.phase == Phase.KEPT:
        return f"確認した内容を読み込んでいます({job.processed_rows:,} / {job.total_rows:,} 行)。"
    if job.phase == Phase.WRITING:
        return (
            f"確認の後に変わった内容がないか確かめて、{job.total_rows:,} 行をまとめて書き込んでいます"
            "(全件を取り込むか、何も変更しないかのどちらかです)。"
        )
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
