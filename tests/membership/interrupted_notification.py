"""A process that receives a gateway notification and is killed after storing it (受信).

Run by ``test_interrupted_notifications.py`` as
``python -m tests.membership.interrupted_notification BODY_FILE MARKER`` with the test database
in ``DATABASE_URL``: the trade-status query never answers, it creates MARKER and waits to be killed.
"""

import os
import sys
import time

import django


def main(body_file, marker):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from membership import gateway
    from membership.billing.notifications import receive_notification

    def search_trade_that_hangs(**kwargs):
        with open(marker, "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(600)

    gateway.search_trade = search_trade_that_hangs
    with open(body_file) as handle:
        receive_notification(handle.read())


if __name__ == "__main__":
    sys.path[:0] = [os.getcwd(), os.path.join(os.getcwd(), "site")]
    main(sys.argv[1], sys.argv[2])
