"""What the benchmarks share: throw-away databases, servers on 127.0.0.1, memory, timing.

Every benchmark talks only to 127.0.0.1. PostgreSQL is used when BENCH_DATABASE_URL (or
TEST_DATABASE_URL, or the local default) answers; each database is a fresh schema that
is dropped afterwards. SQLite databases live in a temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.core.db import make_engine, normalise_url  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_base_url() -> str | None:
    """A reachable PostgreSQL URL on this machine, or None (then only SQLite is measured)."""
    url = normalise_url(os.environ.get("BENCH_DATABASE_URL")
                        or os.environ.get("TEST_DATABASE_URL") or PG_DEFAULT)
    host = make_url(url).host or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"benchmarks talk only to 127.0.0.1, not {host}")
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # no server: the SQLite figures still stand
        print(f"PostgreSQL skipped ({type(exc).__name__}: {str(exc).splitlines()[0]})")
        return None
    return url


@contextlib.contextmanager
def fresh_database(backend: str, workdir: Path, pg_url: str | None) -> Iterator[str]:
    """An empty database URL on `backend`, removed afterwards."""
    if backend == "sqlite":
        path = workdir / f"bench_{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for p in workdir.glob(path.name + "*"):
                p.unlink(missing_ok=True)
        return
    assert pg_url is not None  # noqa: S101 - callers only ask when it answered
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={name}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        admin.dispose()


def backends(pg_url: str | None) -> list[str]:
    return ["sqlite", "postgresql"] if pg_url else ["sqlite"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@contextlib.contextmanager
def server(argv: list[str], port: int, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """A server process (gunicorn) on 127.0.0.1:`port`, stopped afterwards.

    Its output goes to a file, never a pipe: a pipe nobody reads fills up and then
    blocks every worker that logs.
    """
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env},
                                stdout=log, stderr=log, text=True)
        try:
            wait_for_port(port)
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.returncode not in (0, -signal.SIGTERM):
                log.seek(0)
                print(log.read()[-2000:], file=sys.stderr)


def children(pid: int) -> list[int]:
    """Direct child processes (gunicorn's workers)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def median_seconds(fn: Callable[[], object], repeats: int, warm_up: int = 2) -> float:
    """Median wall time of `fn()` over `repeats` runs after `warm_up` untimed ones."""
    for _ in range(warm_up):
        fn()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def machine() -> str:
    """One line about the machine the figures come from."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return (f"{cpu}, {os.cpu_count()} CPU{mem}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")
