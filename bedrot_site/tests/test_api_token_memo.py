"""The API token memo: a token's user is read once per few seconds per process; access revoked
through the ORM, in any process, is refused at once, and behind the ORM's back within that time."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from bedrot_site import authentication
from bedrot_site.authentication import MemoTokenAuthentication

pytestmark = pytest.mark.django_db

URL = "/api/kpis/goals"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Clock:
    settings.API_TOKEN_MEMO_S = 5
    authentication.memo_clear()
    fake = Clock()
    monkeypatch.setattr(authentication, "_clock", fake)
    return fake


@pytest.fixture
def token(alice: Any) -> Token:
    return Token.objects.create(user=alice)


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_remembered_token_is_not_read_again_within_the_memo_time(
    token: Token, clock: Clock, django_assert_num_queries: Any
) -> None:
    auth = MemoTokenAuthentication()
    with django_assert_num_queries(1):
        user, first = auth.authenticate_credentials(token.key)
    clock.now += 4.9
    with django_assert_num_queries(0):
        again, second = auth.authenticate_credentials(token.key)

    assert (again.pk, again.is_staff, second.key, second.created) == (
        user.pk,
        True,
        token.key,
        first.created,
    )
    assert again is not user  # every request gets its own user object


def test_the_token_is_read_again_after_the_memo_time(
    token: Token, clock: Clock, django_assert_num_queries: Any
) -> None:
    auth = MemoTokenAuthentication()
    auth.authenticate_credentials(token.key)
    clock.now += 5.0
    with django_assert_num_queries(1):
        auth.authenticate_credentials(token.key)


def test_the_memo_never_holds_the_token_itself(token: Token) -> None:
    MemoTokenAuthentication().authenticate_credentials(token.key)

    assert list(authentication._memo) == [authentication._digest(token.key)]
    assert token.key.encode() not in authentication._digest(token.key)
    assert token.key not in repr(authentication._memo)


def test_a_user_who_lost_staff_elsewhere_is_refused_once_the_memo_time_is_over(
    token: Token, alice: Any, clock: Clock
) -> None:
    client = _client(token.key)
    assert client.get(URL).status_code == 200
    # An update() sends no signal: as if another process had made the change.
    type(alice).objects.filter(pk=alice.pk).update(is_staff=False)

    clock.now += 4.0
    assert client.get(URL).status_code == 200
    clock.now += 1.0
    assert client.get(URL).status_code == 403


def test_a_token_deleted_elsewhere_is_refused_once_the_memo_time_is_over(
    token: Token, clock: Clock
) -> None:
    client = _client(token.key)
    assert client.get(URL).status_code == 200
    Token.objects.filter(pk=token.pk)._raw_delete(using="default")  # no signal, like elsewhere

    clock.now += 5.0
    response = client.get(URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_token_revoked_by_another_process_is_refused_at_once(token: Token) -> None:
    client = _client(token.key)
    assert client.get(URL).status_code == 200
    remembered = dict(authentication._memo)

    # Another process deletes the token: its receiver writes a new generation to the shared
    # cache; this process's memo still holds the token, and must not trust it.
    Token.objects.filter(pk=token.pk)._raw_delete(using="default")
    authentication.access_changed()
    authentication._memo.update(remembered)
    response = client.get(URL)

    assert response.status_code == 401


def test_a_token_deleted_in_this_process_is_refused_at_once(token: Token) -> None:
    client = _client(token.key)
    assert client.get(URL).status_code == 200

    token.delete()

    assert client.get(URL).status_code == 401


def test_a_user_saved_in_this_process_is_read_again_at_once(token: Token, alice: Any) -> None:
    client = _client(token.key)
    assert client.get(URL).status_code == 200

    alice.is_staff = False
    alice.save()

    assert client.get(URL).status_code == 403


def test_an_inactive_user_is_refused_and_not_remembered(token: Token, alice: Any) -> None:
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)

    with pytest.raises(AuthenticationFailed):
        MemoTokenAuthentication().authenticate_credentials(token.key)
    assert authentication._memo == {}


def test_an_unknown_token_is_refused_and_not_remembered() -> None:
    with pytest.raises(AuthenticationFailed):
        MemoTokenAuthentication().authenticate_credentials("0" * 40)
    assert authentication._memo == {}


def test_a_memo_time_of_zero_reads_the_token_every_time(
    token: Token, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.API_TOKEN_MEMO_S = 0
    auth = MemoTokenAuthentication()
    auth.authenticate_credentials(token.key)
    with django_assert_num_queries(1):
        auth.authenticate_credentials(token.key)
