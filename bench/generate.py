"""``bench/generate``: (re)create the benchmark databases and fill them with ``generate_scale_data``.

    bench/generate                 # both: onepane_scale (full target) and onepane_scale_1pct (--scale 0.01)
    bench/generate --only full     # or: --only small
    bench/generate --database-url postgres://postgres@127.0.0.1:5432/other --scale 0.1

Each database is dropped, created, migrated and generated; the generation time is printed (and is what the
issue's "under 15 minutes" is about). Extra arguments after ``--`` go to ``generate_scale_data``.
"""

import argparse
import os
import subprocess
import sys
import time
from urllib.parse import urlparse

from bench.__main__ import FULL_URL, ROOT, SMALL_URL


def recreate(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def manage(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def generate(url: str, scale: float, extra: list[str]) -> float:
    print(f"== {url.rsplit('/', 1)[-1]}: scale {scale:g}", flush=True)
    recreate(url)
    manage(url, "migrate", "--verbosity", "0")
    started = time.monotonic()
    manage(url, "generate_scale_data", "--scale", str(scale), *extra)
    elapsed = time.monotonic() - started
    print(f"== generated in {elapsed:.0f} s ({elapsed / 60:.1f} min)", flush=True)
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench/generate", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["full", "small"])
    parser.add_argument("--database-url", help="one database instead of the two defaults (with --scale)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("extra", nargs="*", help="after --: more generate_scale_data arguments")
    args = parser.parse_args(argv)
    if args.database_url:
        generate(args.database_url, args.scale, args.extra)
        return 0
    if args.only in (None, "full"):
        generate(os.environ.get("BENCH_DATABASE_URL", FULL_URL), 1.0, args.extra)
    if args.only in (None, "small"):
        generate(os.environ.get("BENCH_SMALL_DATABASE_URL", SMALL_URL), 0.01, args.extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
