"""The reliability rig: gunicorn and scheduler processes, a Twilio-like load driver, and
the checks that nothing was lost, doubled or half-made.

Everything talks over real sockets: the driver signs each webhook like Twilio and treats
anything but a 2xx (or a broken connection) as "not delivered, try again", as Twilio does;
the app sends through `twilio.rest.Client` to tests/fake_twilio_server.py.
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
from sqlalchemy import and_, func, or_, select
from twilio.request_validator import RequestValidator

from models import Direction, Message, Ticket
from services.core.runtime import Runtime
from tests.support.fake_twilio_server import FakeTwilioServer
from tests.support.whatsapp import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER

ROOT = Path(__file__).resolve().parents[2]
PLACES = [f"Ketintang RW {n}" for n in range(1, 6)] + [f"Jagir RW {n}" for n in range(1, 5)] \
    + [f"Ngagel RW {n}" for n in range(1, 4)]
UNSENT = ("pending", "sending")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(database_url: str, port: int, fake: FakeTwilioServer,
                    **extra: str) -> dict[str, str]:
    """The environment of a production-like process pointed at the fake Twilio API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "CONTENT_SID"))}
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "reliability-secret",
        "MESSAGING_TRANSPORT": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
        "TWILIO_API_BASE_URL": fake.base_url,
        "TWILIO_TIMEOUT_SECONDS": "2",
        "OUTBOX_LEASE_SECONDS": "6",
        "OUTBOX_BACKOFF_SECONDS": "0.5",
        # A killed inbox worker's claim is taken over after this lease (default 60 s).
        "INBOUND_LEASE_SECONDS": "6",
        "INBOUND_BACKOFF_SECONDS": "0.5",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "RATE_LIMIT_PER_MINUTE": "100000",
        "CONTENT_SID_NEW_TICKET": "HX" + "1" * 32,
        "CONTENT_SID_BREACH": "HX" + "2" * 32,
        "CONTENT_SID_REMINDER": "HX" + "3" * 32,
        "CONTENT_SID_NOTICE": "HX" + "4" * 32,
        "CONTENT_SID_DIGEST": "HX" + "5" * 32,
        "RUN_SCHEDULER": "0",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> Process:
        self.starts += 1
        log = self.log_path.open("a", encoding="utf-8")
        log.write(f"\n==== start {self.starts} ====\n")
        log.flush()
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    def kill9(self) -> None:
        """SIGKILL the whole group (gunicorn's master and its workers) at once."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill9()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") \
            if self.log_path.exists() else ""


class Gunicorn(Process):
    """`gunicorn 'wsgi:create_app()'` on 127.0.0.1, as the README runs it in production."""

    def __init__(self, env: dict[str, str], port: int, log_dir: Path, workers: int = 4,
                 threads: int = 4) -> None:
        super().__init__("gunicorn", [
            sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads",
            str(threads), "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5",
            "--timeout", "120", "--backlog", "2048", "--access-logfile", "-",
            "wsgi:create_app()"], env, log_dir)
        self.base_url = f"http://127.0.0.1:{port}"

    def start(self, wait: float = 60.0) -> Gunicorn:
        super().start()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()[-3000:]}")
            try:
                if requests.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not become healthy:\n{self.log()[-3000:]}")


def scheduler(env: dict[str, str], log_dir: Path, sweep_every: float = 1.0) -> Process:
    """The production LeasedScheduler and jobs, with test intervals (see scheduler_proc)."""
    return Process("scheduler", [sys.executable, "-m", "tests.reliability.scheduler_proc",
                                 "--sweep-every", str(sweep_every)], env, log_dir)


class Worker(Process):
    """`flask --app wsgi worker --threads N`: a dedicated inbox worker process (it runs the
    conversations of stored messages and sends their replies)."""

    def __init__(self, env: dict[str, str], log_dir: Path, name: str = "worker",
                 threads: int | None = None) -> None:
        argv = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        if threads is not None:
            argv += ["--threads", str(threads)]
        super().__init__(name, argv, env, log_dir)
        self.threads = threads

    def start(self, wait: float = 60.0) -> Worker:
        """Start and wait for its `Inbox worker: N threads` line."""
        super().start()
        marker = f"==== start {self.starts} ===="
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log()[-3000:]}")
            started = self.log().rpartition(marker)[2]
            if "Inbox worker:" in started:
                line = next(x for x in started.splitlines() if "Inbox worker:" in x)
                digits = "".join(c if c.isdigit() else " " for c in line.split("Inbox worker:")[1])
                if digits.split():
                    self.threads = int(digits.split()[0])
                return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start:\n{self.log()[-3000:]}")


# -- the citizens' side ---------------------------------------------------------------------

def citizen_phone(i: int) -> str:
    return f"+628573{i:07d}"


def citizen_nik(i: int) -> str:
    return f"357801{1 + i % 28:02d}{1 + (i // 28) % 12:02d}90{1 + i % 9999:04d}"


def description(i: int, k: int) -> str:
    return f"Permohonan {i}-{k}: KTP hilang"


def conversation(i: int, tickets: int, run: str) -> list[dict[str, str]]:
    """Citizen i files `tickets` KTP requests, five messages each (the RW asked once)."""
    phone, place = citizen_phone(i), PLACES[i % len(PLACES)]
    texts: list[str] = []
    for k in range(tickets):
        texts += ["KTP", place if k == 0 else "YA", citizen_nik(i), description(i, k), "YA"]
    return [{"MessageSid": f"SM{run}{i:06d}{n:04d}".ljust(34, "0")[:34],
             "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{phone}",
             "To": f"whatsapp:{BOT_NUMBER}", "Body": body, "NumMedia": "0",
             "ProfileName": f"Warga {i}", "WaId": phone.lstrip("+")}
            for n, body in enumerate(texts)]


@dataclass
class LoadResult:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)           # connection errors by kind
    latencies: list[float] = field(default_factory=list)       # seconds, 2xx only
    acked: set[str] = field(default_factory=set)               # MessageSids answered 2xx
    messages: int = 0
    redelivered: int = 0
    seconds: float = 0.0
    first_post: dict[str, float] = field(default_factory=dict)   # sid → time.time()
    unanswered: list[str] = field(default_factory=list)   # pace "reply": no reply in time

    def figures(self) -> dict[str, float]:
        lat = sorted(self.latencies) or [0.0]

        def pct(p: float) -> float:
            return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1)

        return {"requests": self.requests, "messages": self.messages,
                "redelivered": self.redelivered, "seconds": round(self.seconds, 1),
                "requests_per_s": round(self.requests / self.seconds, 1) if self.seconds else 0,
                "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
                "max_ms": round(1000 * lat[-1], 1),
                "mean_ms": round(1000 * statistics.fmean(lat), 1)}


class LoadDriver:
    """Twilio's side of the webhook: `senders` threads, each interleaving its citizens'
    conversations.

    `pace="ack"`: a sender posts its next message as soon as the previous one was
    acknowledged (2xx) — a burst; the workers get a backlog. `pace="reply"`: a sender
    waits until the reply to its message reached the (fake) Twilio before it posts the
    next one, as a citizen answers the bot's question (at most `senders` messages in
    flight); a reply missing after `reply_timeout` s is noted in `result.unanswered`.

    A share of the messages is delivered twice with the same MessageSid: half of them at
    the same moment on a second connection, half later, after other messages went by.
    Anything but a 2xx is retried with backoff until `give_up_after` seconds.
    """

    def __init__(self, base_url: str, conversations: list[list[dict[str, str]]], *,
                 senders: int = 50, redeliver: float = 0.2, seed: int = 1,
                 give_up_after: float = 300.0,
                 on_progress: Callable[[int], None] | None = None, pace: str = "ack",
                 fake: FakeTwilioServer | None = None, reply_timeout: float = 60.0) -> None:
        if pace not in ("ack", "reply") or (pace == "reply" and fake is None):
            raise ValueError("pace is 'ack' or 'reply' (which needs the fake Twilio server)")
        self.url = base_url + "/whatsapp/inbound"
        parts = urlsplit(self.url)
        self._host, self._port, self._path = parts.hostname, parts.port or 80, parts.path
        self.pace, self.fake, self.reply_timeout = pace, fake, reply_timeout
        self.conversations, self.senders = conversations, senders
        self.redeliver, self.give_up_after = redeliver, give_up_after
        self.random = random.Random(seed)
        self.validator = RequestValidator(AUTH_TOKEN)
        self.result = LoadResult()
        self.on_progress = on_progress
        self._lock = threading.Lock()
        self._local = threading.local()
        self._twins = ThreadPoolExecutor(max_workers=10, thread_name_prefix="twin")
        self._started = 0.0

    def _post_once(self, body: str, form: dict[str, str], signature: str) -> int:
        started = time.perf_counter()
        # A connection per request, as Twilio's webhooks come: gunicorn's threaded workers
        # then share the load instead of one worker keeping every connection. Plain
        # http.client: the driver shares the CPUs with the app, so it should cost little.
        conn = http.client.HTTPConnection(self._host, self._port, timeout=30)
        try:
            conn.request("POST", self._path, body, {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature, "Connection": "close"})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            with self._lock:
                self.result.requests += 1
                self.result.errors[type(exc).__name__] += 1
            return 0
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        with self._lock:
            self.result.requests += 1
            self.result.statuses[status] += 1
            if 200 <= status < 300:
                self.result.latencies.append(elapsed)
                self.result.acked.add(form["MessageSid"])
        return status

    def post(self, form: dict[str, str]) -> int:
        """Deliver until a 2xx, like Twilio (backoff 0.2 s doubling to 2 s)."""
        signature = self.validator.compute_signature(self._signed_url, form)
        body = urlencode(form)
        with self._lock:
            self.result.first_post.setdefault(form["MessageSid"], time.time())
        wait, deadline = 0.2, time.monotonic() + self.give_up_after
        while True:
            status = self._post_once(body, form, signature)
            if 200 <= status < 300 or time.monotonic() > deadline:
                return status
            time.sleep(wait)
            wait = min(2.0, wait * 2)

    def _await_reply(self, form: dict[str, str], expected: Counter) -> None:
        """pace "reply": wait until this citizen's replies reached Twilio (one a message)."""
        if self.pace != "reply":
            return
        phone = form["From"].removeprefix("whatsapp:")
        expected[phone] += 1
        if not self.fake.wait_for(phone, expected[phone], self.reply_timeout):
            with self._lock:
                self.result.unanswered.append(form["MessageSid"])
            expected[phone] -= 1       # do not make every later message of theirs wait too

    def _sender(self, mine: list[list[dict[str, str]]], rng: random.Random) -> None:
        positions = [0] * len(mine)
        late: list[tuple[int, dict[str, str]]] = []
        expected: Counter = Counter()       # replies due to each of this sender's citizens
        sent = 0
        while any(p < len(c) for p, c in zip(positions, mine, strict=True)) or late:
            for index, conv in enumerate(mine):
                if positions[index] >= len(conv):
                    continue
                form = conv[positions[index]]
                positions[index] += 1
                if rng.random() < self.redeliver:
                    with self._lock:
                        self.result.redelivered += 1
                    if rng.random() < 0.5:            # the twin arrives at the same moment
                        twin = self._twins.submit(self.post, form)
                        self.post(form)
                        twin.result()
                    else:
                        self.post(form)
                        late.append((sent + rng.randint(1, 6), form))
                else:
                    self.post(form)
                self._await_reply(form, expected)
                sent += 1
                if self.on_progress:
                    self.on_progress(sent)
                for due in [item for item in late if item[0] <= sent]:
                    late.remove(due)
                    self.post(due[1])
            if all(p >= len(c) for p, c in zip(positions, mine, strict=True)):
                for _, form in late:
                    self.post(form)
                late.clear()

    def run(self, public_base_url: str) -> LoadResult:
        """Send everything; returns when every message got its 2xx (or gave up)."""
        self._signed_url = public_base_url + "/whatsapp/inbound"   # what Twilio signs
        self.result.messages = sum(map(len, self.conversations))
        groups: list[list[list[dict[str, str]]]] = [[] for _ in range(self.senders)]
        for index, conv in enumerate(self.conversations):
            groups[index % self.senders].append(conv)
        rngs = [random.Random(self.random.random()) for _ in groups]
        started = time.perf_counter()
        threads = [threading.Thread(target=self._sender, args=(g, r), name=f"sender-{n}")
                   for n, (g, r) in enumerate(zip(groups, rngs, strict=True)) if g]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self._twins.shutdown()
        self.result.seconds = time.perf_counter() - started
        return self.result


# -- checks -----------------------------------------------------------------------------------

def unsent(rt: Runtime) -> int:
    """Work left: outbound messages not yet sent, and inbound ones no worker has run yet
    (their replies are still to come)."""
    with rt.sessions() as db:
        return db.scalar(select(func.count()).select_from(Message).where(or_(
            and_(Message.direction == Direction.OUT.value, Message.status.in_(UNSENT)),
            and_(Message.direction == Direction.IN.value, Message.status == "queued"))))


def wait_until(predicate: Callable[[], bool], timeout: float, what: str,
               every: float = 0.5) -> float:
    """Poll until `predicate()`; returns the seconds waited, fails with `what`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if predicate():
                return time.monotonic() - started
        except Exception:  # the database may be restarting: ask again
            pass
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def assert_tickets_once(rt: Runtime, citizens: Iterable[int], tickets: int) -> int:
    """Every citizen has exactly `tickets` tickets, each description exactly once."""
    from models import Citizen

    with rt.sessions() as db:
        rows = db.execute(select(Citizen.phone, Ticket.description, Ticket.nik)
                          .join(Ticket, Ticket.citizen_id == Citizen.id)).all()
    expected = Counter({(citizen_phone(i), description(i, k)): 1
                        for i in citizens for k in range(tickets)})
    found = Counter((phone, desc) for phone, desc, _ in rows
                    if phone.startswith(citizen_phone(0)[:7]))   # not the seeded ones
    assert found == expected, (f"tickets differ: {sum((found - expected).values())} extra, "
                               f"{sum((expected - found).values())} missing")
    return sum(found.values())


def assert_one_answer_per_message(rt: Runtime, sids: set[str]) -> None:
    """Each inbound message stored once, processed, answered by exactly one reply."""
    with rt.sessions() as db:
        stored = dict(db.execute(select(Message.sid, Message.status)
                                 .where(Message.direction == Direction.IN.value)).all())
        replies = Counter(db.scalars(select(Message.in_reply_to_id).where(
            Message.direction == Direction.OUT.value, Message.kind == "reply")))
        inbound_ids = dict(db.execute(select(Message.sid, Message.id)
                                      .where(Message.direction == Direction.IN.value)).all())
    missing = sids - set(stored)
    assert not missing, f"{len(missing)} acknowledged message(s) lost, e.g. {sorted(missing)[:3]}"
    assert set(stored) == sids, f"{len(set(stored) - sids)} unexpected inbound message(s)"
    bad = Counter(stored.values()) - Counter({"processed": len(stored)})
    assert not bad, f"inbound messages not processed: {dict(bad)}"
    doubled = [sid for sid in sids if replies.get(inbound_ids[sid], 0) != 1]
    assert not doubled, f"{len(doubled)} message(s) without exactly one reply"


def percentile_ms(seconds: Iterable[float], p: float) -> float:
    """The p-th quantile (0–1, nearest rank) of durations in seconds, in milliseconds."""
    values = sorted(seconds)
    if not values:
        return float("nan")
    return round(1000 * values[min(len(values) - 1, int(p * len(values)))], 1)


def _replies(rt: Runtime) -> dict[str, list[str]]:
    """Inbound MessageSid → the Twilio SIDs of the replies to it (kind "reply")."""
    with rt.sessions() as db:
        rows = db.execute(select(Message.sid, Message.in_reply_to_id)
                          .where(Message.direction == Direction.OUT.value,
                                 Message.kind == "reply",
                                 Message.in_reply_to_id.is_not(None))).all()
        inbound = dict(db.execute(select(Message.id, Message.sid)
                                  .where(Message.direction == Direction.IN.value)).all())
    out: dict[str, list[str]] = {}
    for reply_sid, to_id in rows:
        out.setdefault(inbound[to_id], []).append(reply_sid)
    return out


def reply_latencies(rt: Runtime, fake: FakeTwilioServer,
                    first_post: dict[str, float]) -> dict[str, float]:
    """Seconds from the first webhook POST of each message to its reply reaching Twilio."""
    arrived = {c.sid: c.received_at for c in fake.snapshot()}
    return {sid: arrived[replies[0]] - first_post[sid]
            for sid, replies in _replies(rt).items()
            if sid in first_post and replies and replies[0] in arrived}


def replies_out_of_order(rt: Runtime, fake: FakeTwilioServer,
                         conversations: Iterable[list[dict[str, str]]]) -> list[str]:
    """Each citizen's replies must reach Twilio in the order the citizen wrote, one per
    message: what is wrong, one line per citizen (empty: all in order)."""
    order = {c.sid: n for n, c in enumerate(fake.snapshot())}
    replies = _replies(rt)
    problems = []
    for conv in conversations:
        sids = [form["MessageSid"] for form in conv]
        counts = {sid: len(replies.get(sid, [])) for sid in sids}
        wrong = {sid: n for sid, n in counts.items() if n != 1}
        if wrong:
            problems.append(f"{conv[0]['From']}: replies per message {wrong}")
            continue
        arrivals = [order.get(replies[sid][0], -1) for sid in sids]
        if -1 in arrivals:
            problems.append(f"{conv[0]['From']}: a reply never reached Twilio")
        elif arrivals != sorted(arrivals):
            problems.append(f"{conv[0]['From']}: replies reached Twilio in the order "
                            f"{[sorted(arrivals).index(a) for a in arrivals]}")
    return problems


def inbound_statuses(rt: Runtime) -> dict[str, int]:
    """Inbound messages by status (all "processed" once the workers are done)."""
    with rt.sessions() as db:
        return dict(db.execute(select(Message.status, func.count())
                               .where(Message.direction == Direction.IN.value)
                               .group_by(Message.status)).all())


def assert_delivered_exactly_once(rt: Runtime, fake: FakeTwilioServer,
                                  ordered: Iterable[str] = ()) -> int:
    """Every outbound row reached the fake Twilio exactly once; `ordered` numbers in order
    in each lane (replies, notices: one lane never waits on the other)."""
    with rt.sessions() as db:
        rows = db.execute(select(Message.id, Message.phone, Message.sid, Message.status,
                                 Message.body, Message.content_sid, Message.lane)
                          .where(Message.direction == Direction.OUT.value)
                          .order_by(Message.id)).all()
    statuses = Counter(r.status for r in rows)
    assert set(statuses) <= {"queued", "sent", "delivered", "read"}, dict(statuses)
    created = fake.snapshot()
    sids = Counter(c.sid for c in created)
    assert len(created) == len(rows), (f"{len(created)} messages reached Twilio for "
                                       f"{len(rows)} outbound rows")
    assert set(sids) == {r.sid for r in rows} and max(sids.values(), default=1) == 1
    by_sid = {c.sid: c for c in created}
    for row in rows:
        got = by_sid[row.sid]
        assert got.to == row.phone and (got.content_sid or got.body == row.body), row.id
    order = {c.sid: n for n, c in enumerate(created)}
    for phone in ordered:
        for lane in {r.lane for r in rows if r.phone == phone}:
            mine = [r for r in rows if r.phone == phone and r.lane == lane]
            assert [order[r.sid] for r in mine] == sorted(order[r.sid] for r in mine), (
                phone, lane)
    return len(rows)


def scan_log(text: str) -> dict[str, int]:
    """What a process log says went wrong."""
    return {"tracebacks": text.count("Traceback (most recent call last)"),
            "database_is_locked": text.lower().count("database is locked"),
            "errors": sum(1 for line in text.splitlines() if " ERROR " in line)}


# -- overdue tickets for the sweep -----------------------------------------------------------

def seed_overdue_tickets(rt: Runtime, count: int, places: list[str] = PLACES) -> list[int]:
    """`count` KTP tickets filed long enough ago that their deadline has passed."""
    from datetime import UTC, datetime, timedelta

    from models import Service, TicketStatus
    from services.core.clock import ManualClock
    from services.core.context import Ctx
    from services.core.runtime import build_runtime
    from services.people.directory import citizen_by_phone
    from services.regions.places import find_rw
    from services.tickets.deadlines import sla_of
    from services.tickets.lifecycle import Draft, open_ticket
    from sla.clock import StatusChange, deadline

    now = datetime.now(UTC)
    filed = now - timedelta(days=1)
    sla = sla_of(rt.settings, "KTP")
    while deadline(rt.calendar, [StatusChange(filed, TicketStatus.NEW.value)], sla) \
            > now - timedelta(hours=1):
        filed -= timedelta(days=1)
    past = build_runtime(rt.settings, clock=ManualClock(filed))
    ids = []
    try:
        with past.transaction() as db:
            ctx = Ctx(db=db, now=filed, rt=past)
            rws = [find_rw(db, place).rw for place in places]
            for n in range(count):
                citizen = citizen_by_phone(db, f"+628574{n:07d}", filed)
                draft = Draft(Service.KTP, rws[n % len(rws)].id, citizen_nik(n),
                              f"Permohonan lama {n}")
                ids.append(open_ticket(ctx, citizen, draft).id)
    finally:
        past.close()
    return ids


def assert_breached_once(rt: Runtime, ticket_ids: list[int]) -> dict[str, int]:
    """Each ticket: one breach, one `breached` event, one breach ledger entry, and one
    breach message to its officer and to each supervisor told."""
    from models import Breach, LedgerEntry, TicketEvent

    with rt.sessions() as db:
        breaches = Counter(db.scalars(select(Breach.ticket_id)))
        events = Counter(db.scalars(select(TicketEvent.ticket_id)
                                    .where(TicketEvent.kind == "breached")))
        ledger = Counter(db.scalars(select(LedgerEntry.ticket_id)
                                    .where(LedgerEntry.key == "breach")))
        notices = Counter(db.execute(select(Message.ticket_id, Message.phone)
                                     .where(Message.kind == "breach")).all())
        officers = dict(db.execute(select(Ticket.id, Ticket.officer_id)).all())
    for name, counts in (("breach", breaches), ("breached event", events),
                         ("ledger entry", ledger)):
        wrong = [t for t in ticket_ids if counts.get(t) != 1]
        assert not wrong, f"{len(wrong)} ticket(s) without exactly one {name}"
    per_ticket = Counter(ticket for ticket, _ in notices)
    assert max(notices.values()) == 1, "a breach notice was queued twice for someone"
    assert all(per_ticket[t] >= 2 for t in ticket_ids if officers[t]), "a breach went untold"
    return {"breaches": sum(breaches.values()), "notices": sum(notices.values())}
