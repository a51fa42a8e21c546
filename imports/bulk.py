"""The bulk writers moved to ``core.bulk`` (renewal's attendance service uses them too: an app
below ``imports`` may not import it). Kept for the import kinds that still name this module."""

from core.bulk import BATCH_SIZE, PLAIN_TYPES, insert_new_rows, insert_rows, update_rows  # noqa: F401
