"""The web load test: `python manage.py bench_load` (see enhance/bench/load.py and
docs/benchmarks.md). It creates and drops its own PostgreSQL databases; it never touches the
site's data."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enhance.bench import load


def _ints(value: str) -> list[int]:
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {value!r}") from None


class Command(BaseCommand):
    help = "Load-test gunicorn (deploy settings, PostgreSQL, Redis) with locust at several concurrencies."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=_ints, default=[1, 8, 32], help="concurrencies, e.g. 1,8,32")
        parser.add_argument("--seconds", type=float, default=20, help="seconds per concurrency and checkout")
        parser.add_argument("--rounds", type=int, default=1, help="runs per concurrency and checkout (alternating)")
        parser.add_argument("--warmup", type=float, default=3, help="seconds of unrecorded load first")
        parser.add_argument("--accounts", type=int, default=4, help="seeded users")
        parser.add_argument("--photos", type=int, default=200, help="photos per user")
        parser.add_argument("--jobs", type=int, default=500, help="jobs per user")
        parser.add_argument("--workers", type=int, default=None, help="GUNICORN_WORKERS (default: the conf's)")
        parser.add_argument("--baseline", type=Path, default=None,
                            help="another checkout (e.g. a worktree of main) served beside this one, alternating")
        parser.add_argument("--pg-admin-url", default=load.DEFAULT_PG_ADMIN_URL)
        parser.add_argument("--redis-url", default=load.DEFAULT_REDIS_URL)
        parser.add_argument("--database-prefix", default="restore_load")
        parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
        parser.add_argument("--seed-into", type=Path, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, **opts):
        if opts["seed_into"]:
            from enhance.bench.seed import seed

            fixture = seed(users=opts["accounts"], photos=opts["photos"], jobs=opts["jobs"])
            opts["seed_into"].write_text(json.dumps(fixture))
            return
        if opts["baseline"] and not (opts["baseline"] / "manage.py").exists():
            raise CommandError(f"--baseline {opts['baseline']} is not a checkout of this project")
        try:
            report = load.run(
                concurrencies=opts["users"], seconds=opts["seconds"], accounts=opts["accounts"],
                photos=opts["photos"], jobs=opts["jobs"], baseline=opts["baseline"], workers=opts["workers"],
                rounds=opts["rounds"], admin_url=opts["pg_admin_url"], redis_url=opts["redis_url"],
                database_prefix=opts["database_prefix"], warmup=opts["warmup"],
                log=lambda line: self.stderr.write(line),
            )
        except RuntimeError as failure:
            raise CommandError(str(failure)) from None
        if opts["json"]:
            load.save(report, opts["json"])
        self.stdout.write(load.markdown(report))
        failures = sum(run["total"]["failures"] for by_users in report["results"].values()
                       for runs in by_users.values() for run in runs)
        if failures or any(report["server_errors"].values()):
            raise CommandError(f"{failures} failed requests, server errors: {report['server_errors']}")
