"""``bench/run``: every daily list page and API list at full scale and at 1 %, held against the targets.

    bench/run                                  # both data sets (the default database names), 50 requests
    bench/run --requests 100 --json bench/results/run.json --explain
    bench/run --database-url postgres://postgres@127.0.0.1:5432/onepane_scale --small-database-url ''

Targets (issue 3): every daily page and list API has a median at most 3x the floor (a trivial logged-in
page) at full scale, at most 1.5x its own median at 1 %, and the same number of queries at both scales.
Each data set is measured in its own process (``bench.measure``); this compares them, prints the table and
writes the JSON. Exit status 1 when a held page (a daily page or an API list) misses a target.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.measure import summarize

ROOT = Path(__file__).resolve().parent.parent
FULL_URL = "postgres://postgres@127.0.0.1:5432/onepane_scale"
SMALL_URL = "postgres://postgres@127.0.0.1:5432/onepane_scale_1pct"
FLOOR_RATIO = 3.0
GROWTH_RATIO = 1.5
EXPLAIN_MS = 5  # --explain shows the slowest query of a missing page when it takes this long (else: rendering)


def run_chunk(url: str, args, requests: int, first: bool) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    command = [sys.executable, "-m", "bench.measure", "--database-url", url, "--requests", str(requests)]
    command += ["--warmup", str(args.warmup), "--out", out]
    if not first:
        command.append("--no-explain")
    if args.only:
        command += ["--only", *args.only]
    subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, "DATABASE_URL": url})  # noqa: S603
    try:
        with open(out) as fh:
            return json.load(fh)
    finally:
        os.unlink(out)


def run_all(urls: list[str], args) -> list[dict]:
    """Measure each data set in ``args.chunks`` turns, alternating between them, and merge each one's turns.

    Alternating keeps the data sets under the same conditions: on a shared machine, a burst of load elsewhere
    then lands on both instead of on whichever happened to be measured at the time.
    """
    per_chunk = max(1, -(-args.requests // args.chunks))
    merged: list[dict | None] = [None] * len(urls)
    for chunk in range(args.chunks):
        for i, url in enumerate(urls):
            name = url.rsplit("/", 1)[-1]
            print(f"measuring {name}: turn {chunk + 1}/{args.chunks}, {per_chunk} requests a page…", file=sys.stderr)
            result = run_chunk(url, args, per_chunk, first=chunk == 0)
            if merged[i] is None:
                merged[i] = result
                continue
            by_id = {page_id(p): p for p in result["pages"]}
            for page in merged[i]["pages"]:
                page["times"].extend(by_id[page_id(page)]["times"])
            merged[i]["load_average"].extend(result["load_average"])
            merged[i]["requests"] += result["requests"]
    for result in merged:
        for page in result["pages"]:
            page.update(summarize(page.pop("times")))
    return merged


def page_id(page: dict) -> tuple[str, str]:
    return page["key"], page["persona"]


def compare(full: dict, small: dict | None) -> list[dict]:
    floors = {p["persona"]: p for p in full["pages"] if p["key"] == "floor"}
    small_pages = {page_id(p): p for p in small["pages"]} if small else {}
    rows = []
    for page in full["pages"]:
        floor = floors[page["persona"]]
        other = small_pages.get(page_id(page))
        row = {
            "key": page["key"],
            "persona": page["persona"],
            "label": page["label"],
            "path": page["path"],
            "held": page["held"],
            "queries": page["queries"],
            "median_ms": page["median_ms"],
            "p95_ms": page["p95_ms"],
            "min_ms": page["min_ms"],
            "sql_ms": page["sql_ms"],
            "shown": {k: page[k] for k in ("rows", "total", "bytes", "items") if k in page},
            "floor_ratio": round(page["median_ms"] / floor["median_ms"], 2),
        }
        if other:
            row.update(
                small_queries=other["queries"],
                small_median_ms=other["median_ms"],
                small_p95_ms=other["p95_ms"],
                small_shown={k: other[k] for k in ("rows", "total", "bytes", "items") if k in other},
                growth_ratio=round(page["median_ms"] / other["median_ms"], 2),
            )
        misses = []
        if page["key"] != "floor":
            if row["floor_ratio"] > FLOOR_RATIO:
                misses.append(f">{FLOOR_RATIO:g}x floor")
            if other and row["growth_ratio"] > GROWTH_RATIO:
                misses.append(f">{GROWTH_RATIO:g}x 1%")
            if other and other["queries"] != page["queries"]:
                misses.append("queries differ")
        row["misses"] = misses
        row["slowest_sql"] = page["slowest"][:1]
        row["all_queries"] = page.get("all_queries", [])
        row["explain"] = page.get("explain", "")
        rows.append(row)
    return rows


def print_table(rows: list[dict], full: dict, small: dict | None) -> None:
    def shown(s):
        if not s:
            return "-"
        if "rows" in s:
            return f"{s['rows']}/{s['total']}"
        return f"{s.get('items', 0)}·{s.get('bytes', 0) // 1024}k"

    def describe(label, result):
        c = result["counts"]
        load = result["load_average"]
        print(
            f"{label} {result['database']}: {c['vendors']:,} vendors, {c['partners']:,} partners, "
            f"{c['people']:,} people, {c['partnerships']:,} partnerships, {c['partnership_grants']:,} grants, "
            f"{c['events']:,} events; load average {min(load):.1f}–{max(load):.1f}"
        )
        for key, p in result["personas"].items():
            print(f"    {key}: {p['email']} ({p['role']}, {p['organization']}, {p['partnerships']:,} partnerships)")

    print()
    describe("full:", full)
    if small:
        describe("1%:  ", small)
    print(
        f"Server time in ms over {full['requests']} requests a page (median, p95, min); sql: the page's own query time "
        "(one request); ×floor: median / the same persona's floor; full/1%: median / median on the 1% data; "
        "shown: API rows/total, or HTML items·size."
    )
    header = (
        f"{'page':<30} {'as':<11} {'q':>3} {'q1%':>3} {'median':>7} {'p95':>7} {'min':>6} {'sql':>5} {'×floor':>6}"
        f" {'1% med':>7} {'full/1%':>7} {'shown':>9} {'shown1%':>9}  verdict"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        has_small = "growth_ratio" in r
        small_median = f"{r['small_median_ms']:.1f}" if has_small else "-"
        growth = f"{r['growth_ratio']:.2f}" if has_small else "-"
        print(
            f"{r['label']:<30.30} {r['persona']:<11} {r['queries']:>3} "
            f"{r['small_queries'] if has_small else '-':>3} {r['median_ms']:>7.1f} {r['p95_ms']:>7.1f} "
            f"{r['min_ms']:>6.1f} {r['sql_ms']:>5.0f} {r['floor_ratio']:>6.2f} "
            f"{small_median:>7} {growth:>7} "
            f"{shown(r['shown']):>9} {shown(r.get('small_shown')):>9}  {verdict(r)}"
        )


def verdict(r: dict) -> str:
    if r["key"] == "floor":
        return "floor"
    text = "MISS " + ", ".join(r["misses"]) if r["misses"] else "ok"
    return text if r["held"] else f"{text} (extra)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/run", description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", FULL_URL))
    parser.add_argument(
        "--small-database-url",
        default=os.environ.get("BENCH_SMALL_DATABASE_URL", SMALL_URL),
        help="the 1%% data set ('' to skip)",
    )
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (at least 50 for the issue)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests per page in each turn")
    parser.add_argument("--chunks", type=int, default=5, help="turns per data set, alternating between them")
    parser.add_argument("--only", nargs="*", help="route names, e.g. console:partners partnership-list (and the floor)")
    parser.add_argument("--json", help="write the results here (e.g. bench/results/<name>.json)")
    parser.add_argument(
        "--explain",
        action="store_true",
        help=f"print EXPLAIN ANALYZE of each missing page's slowest query (when it takes {EXPLAIN_MS} ms or more)",
    )
    args = parser.parse_args(argv)

    urls = [args.database_url] + ([args.small_database_url] if args.small_database_url else [])
    results = run_all(urls, args)
    full, small = results[0], (results[1] if len(results) > 1 else None)
    rows = compare(full, small)
    print_table(rows, full, small)
    missed = [r for r in rows if r["misses"] and r["held"]]
    if args.explain:
        for r in rows:
            if r["misses"] and r["explain"] and r["slowest_sql"][0]["ms"] >= EXPLAIN_MS:
                print(f"\n--- {r['label']} ({r['persona']}): slowest query, {r['slowest_sql'][0]['ms']} ms")
                print(r["slowest_sql"][0]["sql"])
                print(r["explain"])
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "when": datetime.now(UTC).isoformat(timespec="seconds"),
                    "targets": {"floor_ratio": FLOOR_RATIO, "growth_ratio": GROWTH_RATIO},
                    "full": {k: v for k, v in full.items() if k != "pages"},
                    "small": {k: v for k, v in small.items() if k != "pages"} if small else None,
                    "pages": rows,
                },
                fh,
                indent=2,
            )
        print(f"\nwrote {args.json}")
    print(
        f"\n{len(missed)} held page(s) miss a target (held: the daily pages and API lists)."
        if missed
        else "\nEvery held page meets the targets."
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
