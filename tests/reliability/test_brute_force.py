"""R4: django-axes locks a user out per (username, IP) after the failure limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

IP1 = "203.0.113.10"
IP2 = "203.0.113.20"
LOCKED_OUT = 429  # axes' default lockout status


def _login(client: Client, username: str, password: str, ip: str) -> int:
    response = client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)
    return response.status_code


@pytest.mark.django_db
def test_brute_force_locks_one_user_on_one_ip_only(settings: Any, alice: Any, bob: Any) -> None:
    # given axes on (the root conftest turns it off for every other test) with the spec's limit
    settings.AXES_ENABLED = True
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME) == (5, 1)  # 5 tries, 1 h
    client = Client()

    # when alice's password is guessed wrong from IP1 up to the limit
    failures = [_login(client, "alice", "wrong", IP1) for _ in range(settings.AXES_FAILURE_LIMIT)]

    # then the first limit-1 failures re-show the form and the limit-th locks her out
    assert failures == [200, 200, 200, 200, LOCKED_OUT]
    # and attempt limit+1, with the right password, is still refused from IP1
    assert _login(client, "alice", "alice-pass", IP1) == LOCKED_OUT
    assert "_auth_user_id" not in client.session

    # bob signs in from the same IP
    bob_client = Client()
    assert _login(bob_client, "bob", "bob-pass", IP1) == 302
    assert bob_client.session["_auth_user_id"] == str(bob.pk)

    # and alice signs in from another IP
    alice_client = Client()
    assert _login(alice_client, "alice", "alice-pass", IP2) == 302
    assert alice_client.session["_auth_user_id"] == str(alice.pk)
