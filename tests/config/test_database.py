"""The database connection as the settings make it: on PostgreSQL, the queries a worker's kept
connection repeats become prepared statements (parsed and planned once), unless a pooler
between the servers and PostgreSQL rules them out."""

import pytest
from django.db import connection

from membership.models import Member
from tests.config.test_settings import run_manage

PG_URL = "postgres://postgres@127.0.0.1:5432/unused"
OPTIONS = "from django.conf import settings; print(sorted(settings.DATABASES['default']['OPTIONS'].items()))"


@pytest.mark.django_db
@pytest.mark.skipif(
    not connection.settings_dict["OPTIONS"].get("prepare_threshold"),
    reason="PostgreSQL's, and on unless DB_PREPARED_STATEMENTS=0 (the test below checks that default)",
)
def test_a_query_the_connection_repeats_is_prepared_in_postgresql():
    for number in range(6):
        list(Member.objects.filter(member_number=f"{number:07d}").values_list("pk"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "membership_member"' in statement for statement in prepared), prepared


def test_prepared_statements_are_on_for_postgresql_and_can_be_turned_off_for_a_pooler():
    on = run_manage("shell", "-c", OPTIONS, DEBUG="1", DATABASE_URL=PG_URL, DB_PREPARED_STATEMENTS="")
    off = run_manage("shell", "-c", OPTIONS, DEBUG="1", DATABASE_URL=PG_URL, DB_PREPARED_STATEMENTS="0")
    assert "('prepare_threshold', 5)" in on.stdout and "('server_side_binding', True)" in on.stdout, on.stderr
    assert "prepare_threshold" not in off.stdout and "server_side_binding" not in off.stdout, off.stderr
