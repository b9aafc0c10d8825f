"""`make run` serves the port with several web processes on one listening socket."""

from __future__ import annotations

import socket

import pytest

from bedrot_site.launcher import LauncherError, service_commands, web_listener, web_processes


def test_each_web_process_serves_the_shared_socket() -> None:
    commands = service_commands(listener_fd=7, processes=2)
    assert list(commands) == ["web1", "web2", "worker", "beat"]
    assert commands["web1"][-3:] == ["--fd", "7", "bedrot_site.asgi:application"]
    assert commands["web2"] == commands["web1"]


@pytest.mark.parametrize(("raw", "expected"), [("", 2), ("1", 1), ("4", 4)])
def test_web_processes_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: int
) -> None:
    monkeypatch.setenv("BEDROT_WEB_PROCESSES", raw)
    assert web_processes() == expected


@pytest.mark.parametrize("raw", ["0", "two", "-1"])
def test_a_bad_web_process_count_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("BEDROT_WEB_PROCESSES", raw)
    with pytest.raises(LauncherError, match="BEDROT_WEB_PROCESSES must be a whole number"):
        web_processes()


def test_the_listener_is_inherited_by_the_web_processes() -> None:
    with web_listener(0) as listener:
        assert listener.get_inheritable()
        with socket.create_connection(listener.getsockname(), timeout=2):
            pass  # accepted into the backlog: the socket listens before any process serves it
