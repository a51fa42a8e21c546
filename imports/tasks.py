"""Background work for large imports. A task gets the job's primary key and re-reads the row."""

from django_tasks import task


@task()
def preview_import(*, job_id):
    from .services import preview_job

    preview_job(job_id=job_id)


@task()
def apply_import(*, job_id):
    from .services import apply_job

    apply_job(job_id=job_id)
