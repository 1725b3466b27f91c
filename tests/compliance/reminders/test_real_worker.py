"""With a real Celery worker as a separate process on a private Redis server (started here on a
free port, never the machine's shared one) and PostgreSQL: two sweeps at once claim each notice
once; a worker killed by its pid mid-delivery leaves the notice to be re-queued and delivered;
a sweep with the broker stopped fails cleanly and the next sweep after a restart catches up.

Run with DATABASE_URL (PostgreSQL) and REDIS_URL set (the markers' checks); the tests start
their own redis-server and never use REDIS_URL's server.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from compliance.models import NoticeState, ReminderDelivery, ReminderNotice
from imaging_ops.models import Notification
from imaging_ops.vocabulary import Role
from tests import factories
from tests.compliance.reminders.conftest import annual_procedure, annual_schedule

pytestmark = [
    pytest.mark.needs_redis,
    pytest.mark.needs_postgres,
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
LEASE = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self):
        if not shutil.which("redis-server"):
            pytest.skip("needs redis-server on PATH to start a private Redis")
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def environment(redis_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "BEAT_"))}
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="imaging_ops.settings",
        REMINDER_LEASE_SECONDS=str(LEASE),
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    env.update(extra)
    return env


def start_worker(redis_url: str, **extra) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (fixed arguments)
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "imaging_ops",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=environment(redis_url, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_sweep(redis_url: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (fixed arguments)
        [PYTHON, "manage.py", "sweep_reminders"],
        cwd=ROOT,
        env=environment(redis_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def wait_for(condition, seconds=60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def overdue_calibrations(count: int):
    """`count` calibrations fell due three days ago, each assigned to its own technician."""
    site = factories.SiteFactory(code="REAL", time_zone="America/New_York")
    manager = factories.UserFactory(username="real-manager")
    factories.MembershipFactory(user=manager, site=site, role=Role.MANAGER)
    now = timezone.now()
    procedure = annual_procedure(manager, site, code="REAL-CAL", now=now)
    people = []
    for n in range(count):
        person = factories.UserFactory(username=f"real-tech-{n}", email=f"tech{n}@example.org")
        factories.MembershipFactory(user=person, site=site, role=Role.TECHNICIAN)
        annual_schedule(
            manager,
            site,
            tag=f"R{n}",
            procedure=procedure,
            now=now,
            last_done=now - timedelta(days=368),
            assignee=person,
        )
        people.append(person)
    return people


def all_sent(count):
    return lambda: ReminderNotice.objects.filter(state=NoticeState.SENT).count() == count


def test_two_sweeps_at_once_claim_each_notice_once(redis_server):
    people = overdue_calibrations(20)
    worker = start_worker(redis_server.url)
    try:
        sweeps = [run_sweep(redis_server.url), run_sweep(redis_server.url)]
        for sweep in sweeps:
            sweep.wait(120)
            assert sweep.returncode == 0, sweep.stderr.read()
        assert wait_for(all_sent(20))
    finally:
        stop(worker)
    assert ReminderNotice.objects.count() == 20
    for person in people:
        assert Notification.objects.filter(user=person).count() == 1
    assert ReminderDelivery.objects.filter(emailed_at__isnull=False).count() == 20


class SilentSmtp:
    """A mail server that accepts the connection and never answers: delivery hangs there."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]

    def close(self):
        self.socket.close()


def test_a_worker_killed_mid_delivery_leaves_the_notice_to_be_requeued_and_delivered(
    redis_server,
):
    [person] = overdue_calibrations(1)
    smtp = SilentSmtp()
    hanging = start_worker(
        redis_server.url, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port), EMAIL_USE_TLS="false"
    )
    try:
        sweep = run_sweep(redis_server.url)
        sweep.wait(120)
        assert sweep.returncode == 0, sweep.stderr.read()
        # The worker claimed the notice, told the person in app, and hangs at the mail server
        assert wait_for(lambda: ReminderNotice.objects.filter(state=NoticeState.SENDING).exists())
        assert wait_for(lambda: Notification.objects.filter(user=person).exists())
        os.kill(hanging.pid, signal.SIGKILL)
        hanging.wait(10)
    finally:
        stop(hanging)
        smtp.close()
    assert ReminderNotice.objects.get().state == NoticeState.SENDING
    worker = start_worker(redis_server.url)
    try:
        time.sleep(LEASE + 1)  # the dead worker's lease runs out
        sweep = run_sweep(redis_server.url)
        sweep.wait(120)
        assert "re-queued 1 pending or stale notice(s)" in sweep.stdout.read()
        assert wait_for(all_sent(1))
    finally:
        stop(worker)
    notice = ReminderNotice.objects.get()
    assert notice.attempts == 2
    assert Notification.objects.filter(user=person).count() == 1
    assert ReminderDelivery.objects.get().emailed_at is not None


def test_a_sweep_with_the_broker_stopped_fails_cleanly_and_the_next_one_catches_up(
    redis_server,
):
    overdue_calibrations(3)
    redis_server.stop()
    failed = run_sweep(redis_server.url)
    failed.wait(120)
    assert failed.returncode != 0
    # The claims committed before the broker refused the delivery: nothing is lost
    assert ReminderNotice.objects.filter(state=NoticeState.PENDING).count() == 3
    redis_server.start()
    worker = start_worker(redis_server.url)
    try:
        sweep = run_sweep(redis_server.url)
        sweep.wait(120)
        assert sweep.returncode == 0, sweep.stderr.read()
        assert wait_for(all_sent(3))
    finally:
        stop(worker)
    assert ReminderNotice.objects.count() == 3
    assert Notification.objects.count() == 3
