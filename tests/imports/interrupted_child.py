"""A process that starts an import step and stops in the middle, waiting to be killed.

Run by ``test_interrupted_imports.py`` as ``python -m tests.imports.interrupted_child MODE JOB_ID MARKER``
with the test database in ``DATABASE_URL``; it creates MARKER once it is stuck:

- ``apply``: confirms the job as the web process does (small file, in the request) and stops
  inside the write transaction, after the kind has written its rows;
- ``preview``: starts the preview and stops after the first update of the rows checked.
"""

import os
import sys
import time

import django


def stuck(marker):
    with open(marker, "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(600)


def main(mode, job_id, marker):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from imports import services
    from imports.models import ImportJob
    from imports.registry import registry

    job = ImportJob.objects.get(pk=job_id)
    kind = registry.get(job.kind)
    if mode == "apply":
        write = kind.write

        def write_then_stop(plan, report):
            write(plan, report)
            stuck(marker)

        kind.write = write_then_stop
        services.start_apply(job=job, user=get_user_model().objects.get(username="admin"))
    else:
        progress = services._progress

        def progress_then_stop(job_id, count, **changes):
            progress(job_id, count, **changes)
            if not changes:  # the first rows checked (not the start of a phase)
                stuck(marker)

        services._progress = progress_then_stop
        kind.progress_every = 1
        services.start_preview(job=job)


if __name__ == "__main__":
    sys.path[:0] = [os.getcwd(), os.path.join(os.getcwd(), "site")]
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
