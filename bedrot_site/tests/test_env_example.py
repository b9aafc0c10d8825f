""".env.example lists every variable settings.py reads, with the same default, and nothing else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_PATH = BASE_DIR / "bedrot_site" / "settings.py"
ENV_EXAMPLE_PATH = BASE_DIR / ".env.example"
ENV_HELPERS = frozenset({"env_str", "env_int", "env_bool", "env_path", "env_secret", "env_list"})
# Read by bedrot_site/launcher.py (`make run`), not by the settings.
LAUNCHER_ONLY_NAMES = frozenset({"BEDROT_PORT", "BEDROT_DEMO_PASSWORD", "BEDROT_WEB_PROCESSES"})
_ENTRY = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
_NOT_CONSTANT = object()


def _constant_value(node: ast.expr | None) -> object:
    """The default's value when it is a constant expression (256 * 1024), else _NOT_CONSTANT."""
    if node is None:
        return None
    try:
        code = compile(ast.Expression(body=node), "<default>", "eval")
        return eval(code, {"__builtins__": {}}, {})
    except Exception:
        return _NOT_CONSTANT


def _as_env_text(value: object) -> str:
    """How a default is written in .env.example: computed defaults and None are left empty."""
    if value is _NOT_CONSTANT or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def settings_defaults() -> dict[str, str]:
    """Every variable read through an env helper in settings.py, with its default as text."""
    defaults: dict[str, str] = {}
    for node in ast.walk(ast.parse(SETTINGS_PATH.read_text())):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ENV_HELPERS
        ):
            continue
        name_node = node.args[0]
        assert isinstance(name_node, ast.Constant), f"line {node.lineno}: name must be a literal"
        default_node = node.args[1] if len(node.args) > 1 else None
        defaults[name_node.value] = _as_env_text(_constant_value(default_node))
    return defaults


def env_example_entries() -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in ENV_EXAMPLE_PATH.read_text().splitlines():
        match = _ENTRY.match(line)
        if match:
            assert match.group(1) not in entries, f"{match.group(1)} is listed twice"
            entries[match.group(1)] = match.group(2)
    return entries


def test_settings_parser_finds_the_core_variables() -> None:
    # a guard for the parser itself: a broken walk would make the other tests pass vacuously
    defaults = settings_defaults()
    assert {"DJANGO_DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"} <= set(defaults)
    assert (defaults["DJANGO_DEBUG"], defaults["DATABASE_URL"]) == ("false", "")


def test_env_example_lists_every_settings_variable() -> None:
    missing = sorted(set(settings_defaults()) - set(env_example_entries()))
    assert missing == [], f"add these to .env.example: {missing}"


def test_env_example_lists_nothing_settings_does_not_read() -> None:
    unknown = sorted(set(env_example_entries()) - set(settings_defaults()) - LAUNCHER_ONLY_NAMES)
    assert unknown == [], f"not read by settings.py or the launcher: {unknown}"


def test_env_example_lists_the_launcher_variables() -> None:
    entries = env_example_entries()
    assert {name: entries.get(name) for name in sorted(LAUNCHER_ONLY_NAMES)} == {
        "BEDROT_DEMO_PASSWORD": "",
        "BEDROT_PORT": "8000",
        "BEDROT_WEB_PROCESSES": "2",
    }


def test_env_example_values_are_the_settings_defaults() -> None:
    # constant defaults are written out; computed ones (paths under var/) are left empty,
    # which the env helpers read as "unset", so exporting the file changes nothing
    entries = env_example_entries()
    wrong = {
        name: (entries[name], default)
        for name, default in settings_defaults().items()
        if name in entries and entries[name] != default
    }
    assert wrong == {}, "(.env.example value, settings default) differ"


def test_env_example_is_ascii_and_documents_each_variable() -> None:
    text = ENV_EXAMPLE_PATH.read_text()
    assert text.isascii()
    lines = text.splitlines()
    undocumented = [
        line.split("=", 1)[0]
        for index, line in enumerate(lines)
        if _ENTRY.match(line) and (index == 0 or not lines[index - 1].startswith("# "))
    ]
    assert undocumented == []
