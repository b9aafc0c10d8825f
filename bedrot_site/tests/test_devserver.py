"""`runserver` is Daphne's ASGI server, loaded only when the command is."""

from __future__ import annotations

import subprocess
import sys

from django.core.management import get_commands, load_command_class


def test_runserver_is_daphnes_command() -> None:
    # given the installed apps, when the runserver command is looked up
    command = load_command_class(get_commands()["runserver"], "runserver")

    # then it is Daphne's ASGI runserver
    assert type(command).__module__ == "daphne.management.commands.runserver"


def test_starting_django_does_not_import_the_daphne_server() -> None:
    # given a fresh interpreter, when Django starts
    code = (
        "import sys, django; django.setup(); "
        "print('daphne.server' in sys.modules, 'twisted.internet.reactor' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )

    # then neither Daphne's server nor a Twisted reactor was loaded
    assert result.stdout.split() == ["False", "False"]
