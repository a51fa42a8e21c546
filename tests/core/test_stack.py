"""core.stack: requests and PDF renders run in a stack chunk of their own, and nothing else changes."""

import pytest
from django.conf import settings
from django.urls import reverse

from core.stack import FRAME_SLOTS, in_a_stack_chunk_of_its_own


def test_the_function_runs_and_its_result_or_error_comes_back():
    assert in_a_stack_chunk_of_its_own(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        in_a_stack_chunk_of_its_own(lambda: 1 / 0)
    # Its frame is sized by its local variables, which it never assigns.
    assert in_a_stack_chunk_of_its_own.__code__.co_nlocals == FRAME_SLOTS + 1


def test_deep_recursion_inside_still_reaches_the_recursion_limit_and_recovers():
    def down(depth):
        return depth if depth == 0 else down(depth - 1)

    assert in_a_stack_chunk_of_its_own(lambda: down(500)) == 0
    with pytest.raises(RecursionError):
        in_a_stack_chunk_of_its_own(lambda: down(100_000))
    assert in_a_stack_chunk_of_its_own(lambda: down(500)) == 0


@pytest.mark.django_db
def test_every_request_goes_through_it_first(client):
    assert settings.MIDDLEWARE[0] == "core.stack.StackChunkMiddleware"
    response = client.get(reverse("member:login"))
    assert response.status_code == 200 and "会員ログイン" in response.content.decode()
