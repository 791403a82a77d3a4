"""`python manage.py bench_api --accounts 50000`: requests/s and p95 of the REST API.

Serves the app with gunicorn on 127.0.0.1 (a free port, the database in DATABASE_URL: the
benchmark dataset of `seed_demo`) and drives it for `--seconds` (default 20) with a Python load
driver: `--concurrency` threads, each on its own keep-alive connection, cycling through the
account list, an account detail and the plan detail as the demo director, who authenticates with
a personal API token created for the run and revoked after it. Prints requests/s and p50/p95
per endpoint; the last line is always `api_rps=<n> api_p95_ms=<n>`.

The driver shares the machine with the server (threads in one Python process, so it is bounded
by the GIL too): the figures are what one box serves to a client on itself, a floor rather
than a ceiling. Nothing is written to the database except the token and its last use.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import reverse

from accounts.api.tokens import api_token_create, api_token_revoke
from accounts.models import Account, AccountStatus
from kam.bench import add_dataset_arguments, dataset_user, percentile
from plans.models import Plan

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str


@dataclass
class Tally:
    """Latencies (ms) per endpoint, and failures, from all driver threads."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, latencies: list[float], failures: int) -> None:
        with self.lock:
            self.latencies.setdefault(name, []).extend(latencies)
            self.failures[name] = self.failures.get(name, 0) + failures


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def drive(
    port: int, token: str, endpoints: list[Endpoint], offset: int, until: float, tally: Tally
) -> None:
    """One client: a keep-alive connection, requests round-robin until `until`."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    latencies: dict[str, list[float]] = {endpoint.name: [] for endpoint in endpoints}
    failures: dict[str, int] = {endpoint.name: 0 for endpoint in endpoints}
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    index = offset
    while time.monotonic() < until:
        endpoint = endpoints[index % len(endpoints)]
        index += 1
        started = time.perf_counter()
        try:
            conn.request("GET", endpoint.path, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        if ok:
            latencies[endpoint.name].append(elapsed)
        else:
            failures[endpoint.name] += 1
    conn.close()
    for endpoint in endpoints:
        tally.add(endpoint.name, latencies[endpoint.name], failures[endpoint.name])


class Command(BaseCommand):
    help = "Serve the API with gunicorn on 127.0.0.1 and measure requests/s and p95 under load."

    def add_arguments(self, parser):
        add_dataset_arguments(parser)
        parser.add_argument("--seconds", type=float, default=20.0, help="load time (default 20)")
        parser.add_argument(
            "--concurrency", type=int, default=8, help="client connections (default 8)"
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
        parser.add_argument(
            "--threads", type=int, default=4, help="threads per gunicorn worker (default 4)"
        )

    def handle(self, *args, **options):
        accounts, user = dataset_user(options)
        endpoints = self.endpoints()
        token, raw = api_token_create(user=user, name="bench_api")
        port = free_port()
        # gunicorn's own messages go to a file, shown only if it fails to start.
        with tempfile.TemporaryFile(mode="w+") as server_log:
            server = self.start_server(port, options["workers"], options["threads"], server_log)
            try:
                self.wait_until_serving(port, server, server_log, raw, endpoints)
                self.stdout.write(
                    f"{connection.vendor}, {accounts} accounts; gunicorn {options['workers']} "
                    f"workers x {options['threads']} threads on {HOST}:{port}; "
                    f"{options['concurrency']} clients for {options['seconds']:.0f} s as "
                    f"{user.username}; load average {os.getloadavg()[0]:.2f} at start"
                )
                tally, elapsed = self.load(port, raw, endpoints, options)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
                api_token_revoke(token=token, actor=user)
        self.report(tally, elapsed, endpoints)

    def endpoints(self) -> list[Endpoint]:
        """The account list, the best-known key account and its newest plan (or any plan)."""
        account = (
            Account.objects.filter(status=AccountStatus.KEY, plans__isnull=False)
            .order_by("pk")
            .first()
        ) or Account.objects.order_by("pk").first()
        plan = (
            Plan.objects.filter(account=account).order_by("-period_start").first()
            or Plan.objects.order_by("pk").first()
        )
        if account is None or plan is None:
            raise CommandError("No account or no plan in the database: run seed_demo first.")
        return [
            Endpoint("account list", reverse("api:account-list")),
            Endpoint("account detail", reverse("api:account-detail", args=[account.pk])),
            Endpoint("plan detail", reverse("api:plan-detail", args=[plan.pk])),
        ]

    def start_server(self, port: int, workers: int, threads: int, log: IO[str]) -> subprocess.Popen:
        env = {
            **os.environ,
            # Measure what production runs: no debug bookkeeping, no per-request log lines.
            "DEBUG": "false",
            "LOG_LEVEL": "ERROR",
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "kam.settings"),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "kam.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            "--chdir",
            str(settings.BASE_DIR),
        ]
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)

    @staticmethod
    def output(log: IO[str]) -> str:
        log.seek(0)
        return log.read()[-2000:]

    def wait_until_serving(
        self,
        port: int,
        server: subprocess.Popen,
        log: IO[str],
        token: str,
        endpoints: list[Endpoint],
    ) -> None:
        """Wait for gunicorn to answer, then check every endpoint answers 200 (a few times over,
        which also warms each worker)."""
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise CommandError(
                    f"gunicorn exited with status {server.returncode}:\n{self.output(log)}"
                )
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"gunicorn did not start within 60 s:\n{self.output(log)}"
                    ) from None
                time.sleep(0.2)
        for _ in range(4):
            for endpoint in endpoints:
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                conn.request("GET", endpoint.path, headers={"Authorization": f"Bearer {token}"})
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status != 200:
                    raise CommandError(
                        f"{endpoint.name} ({endpoint.path}) answered {response.status}: "
                        f"{body[:200]!r}"
                    )

    def load(
        self, port: int, token: str, endpoints: list[Endpoint], options: dict
    ) -> tuple[Tally, float]:
        tally = Tally()
        started = time.monotonic()
        until = started + options["seconds"]
        clients = [
            threading.Thread(target=drive, args=(port, token, endpoints, i, until, tally))
            for i in range(options["concurrency"])
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        return tally, time.monotonic() - started

    def report(self, tally: Tally, elapsed: float, endpoints: list[Endpoint]) -> None:
        everything: list[float] = []
        for endpoint in endpoints:
            latencies = tally.latencies.get(endpoint.name, [])
            everything.extend(latencies)
            self.stdout.write(
                f"{endpoint.name:<15} {len(latencies) / elapsed:8.1f} req/s  "
                f"p50={percentile(latencies, 50):7.1f} ms  p95={percentile(latencies, 95):7.1f} ms"
                f"  failed={tally.failures.get(endpoint.name, 0)}  {endpoint.path}"
            )
        failed = sum(tally.failures.values())
        if failed:
            self.stdout.write(f"{failed} requests failed (not counted in the figures)")
        rps = len(everything) / elapsed
        self.stdout.write(f"api_rps={round(rps)} api_p95_ms={round(percentile(everything, 95))}")
