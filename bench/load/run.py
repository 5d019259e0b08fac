"""Run the load benchmark on PostgreSQL and SQLite; print the tables; write RESULTS.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test_bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
BIN = Path(sys.executable).parent


@dataclass
class Page:
    label: str
    role: str
    path: str


def pages(world) -> list[Page]:
    w = world
    return [
        Page("dashboard (coordinator)", "coordinator", "/dashboard"),
        Page("dashboard (analyst)", "analyst", "/dashboard"),
        Page("dashboard (privacy officer)", "privacy_officer", "/dashboard"),
        Page("dashboard (admin)", "admin", "/dashboard"),
        Page("dashboard (agency head)", "agency_head", "/dashboard"),
        Page("dashboard (FLO)", "liaison_officer", "/dashboard"),
        Page("roster list", "coordinator", "/roster/officers"),
        Page("roster search", "coordinator", "/roster/officers?q=smi&status=active"),
        Page("officer detail", "coordinator", f"/roster/officers/{w.officer_id}"),
        Page("coverage", "coordinator", "/roster/coverage"),
        Page("training records (catalogue)", "coordinator", "/training/courses"),
        Page("RFI queue", "coordinator", "/rfis/queue"),
        Page("RFI queue, filtered", "coordinator", "/rfis/queue?status=submitted&priority=urgent"),
        Page("My RFIs (FLO)", "liaison_officer", "/rfis/"),
        Page("RFI detail (FLO)", "liaison_officer", f"/rfis/{w.rfi_id}"),
        Page("product feed (coordinator)", "coordinator", "/products/"),
        Page("product feed (analyst)", "analyst", "/products/"),
        Page("product feed (agency head)", "agency_head", "/products/"),
        Page("product feed (FLO)", "liaison_officer", "/products/"),
        Page("product detail (FLO)", "liaison_officer", f"/products/{w.product_id}"),
        Page("briefings list (FLO)", "liaison_officer", "/briefings/"),
        Page("briefings month view (FLO)", "liaison_officer", "/briefings/?view=month"),
        Page("notifications (FLO)", "liaison_officer", "/notifications/"),
    ]


# --- CPU of processes, from /proc ----------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            parts = fh.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(parts[11]) + int(parts[12])) / CLK_TCK  # utime + stime


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return out


class CpuMeter:
    """CPU seconds of the gunicorn master and workers, and of the PostgreSQL backends the
    workers are connected to (found by application_name in pg_stat_activity)."""

    def __init__(self, master: int, pg_url: str | None):
        self.master = master
        self.pg = sa.create_engine(pg_url, poolclass=sa.pool.NullPool) if pg_url else None

    def snapshot(self) -> tuple[dict[int, float], dict[int, float]]:
        web = {p: cpu_seconds(p) for p in [self.master, *children(self.master)]}
        db = {}
        if self.pg is not None:
            from bench.load.serve import APPLICATION_NAME

            with self.pg.connect() as conn:
                pids = conn.scalars(
                    sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :n"),
                    {"n": APPLICATION_NAME},
                ).all()
            db = {p: cpu_seconds(p) for p in pids}
        return web, db

    def wait_until_idle(self, timeout: float = 120) -> None:
        """Let the workers finish the requests wrk left queued when it stopped, so they do
        not run (and count) in the next page's measurement."""
        end = time.monotonic() + timeout
        last = self.delta({}, self.snapshot()[0])
        while time.monotonic() < end:
            time.sleep(0.3)
            now = self.delta({}, self.snapshot()[0])
            if now - last < 0.01:
                return
            last = now

    @staticmethod
    def delta(before: dict, after: dict) -> float:
        return sum(after[p] - before.get(p, 0.0) for p in after)


# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    base: str
    log: Path


def start_server(env: dict, workdir: Path) -> Server:
    port = free_port()
    log = workdir / "gunicorn.log"
    cmd = [
        str(BIN / "gunicorn"),
        "--workers",
        "2",
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--log-level",
        "warning",
        "bench.load.serve:wsgi_app()",
    ]
    proc = subprocess.Popen(  # noqa: S603 - our own command line
        cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        return _wait_until_up(proc, base, log)
    except BaseException:
        proc.kill()
        proc.wait()
        raise


def _wait_until_up(proc: subprocess.Popen, base: str, log: Path) -> Server:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(base + "/healthz", timeout=10).status_code == 200:
                while len(children(proc.pid)) < 2:
                    time.sleep(0.1)
                return Server(proc, base, log)
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def stop_server(server: Server) -> None:
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(30)
    except subprocess.TimeoutExpired:
        server.proc.kill()


# --- wrk --------------------------------------------------------------------------------------


@dataclass
class Sample:
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    requests: int
    web_ms: float
    db_ms: float | None


def wrk(url: str, cookie: str, seconds: float, meter: CpuMeter, pg: bool) -> Sample:
    env = dict(os.environ, BENCH_COOKIE=cookie)
    cmd = [
        "wrk",
        "-t2",
        "-c16",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        "--latency",
        "-s",
        str(HERE / "page.lua"),
        url,
    ]
    before = meter.snapshot()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    after = meter.snapshot()
    meter.wait_until_idle()
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("{"))
    r = json.loads(line)
    n = max(1, r["requests"])
    web = CpuMeter.delta(before[0], after[0]) * 1000 / n
    db = CpuMeter.delta(before[1], after[1]) * 1000 / n if pg else None
    return Sample(
        rps=r["requests"] / (r["duration_us"] / 1e6),
        p50=r["p50_us"] / 1000,
        p95=r["p95_us"] / 1000,
        p99=r["p99_us"] / 1000,
        errors=r["socket_errors"] + max(r["status_errors"], r["not_200"]),
        requests=r["requests"],
        web_ms=web,
        db_ms=db,
    )


def median_sample(samples: list[Sample]) -> Sample:
    """The run with the median throughput (its other figures with it); errors summed."""
    ordered = sorted(samples, key=lambda s: s.rps)
    mid = ordered[len(ordered) // 2]
    return Sample(**{**mid.__dict__, "errors": sum(s.errors for s in samples)})


# --- in-process query counts --------------------------------------------------------------------


def count_page_queries(app, world, page_list: list[Page]) -> dict[str, int]:
    from bench.harness import count_queries, sign_in
    from flo_portal.core.extensions import db
    from flo_portal.users.models import User

    counts = {}
    clients = {}
    for page in page_list:
        if page.role not in clients:
            client = app.test_client()
            sign_in(client, db.session.get(User, world.accounts[page.role][0].id))
            clients[page.role] = client
        client = clients[page.role]
        client.get(page.path)  # warm
        with count_queries() as counter:
            resp = client.get(page.path)
        counts[page.label] = counter["n"] if resp.status_code == 200 else -resp.status_code
    return counts


def count_bare_queries(env_settings_app) -> int:
    bare = env_settings_app
    engine = bare.extensions["bare_engine"]
    client = bare.test_client()
    client.get("/login/1")
    n = {"n": 0}

    def before(*_a, **_k):
        n["n"] += 1

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        client.get("/")
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    return n["n"]


# --- one database ---------------------------------------------------------------------------


@dataclass
class DbResult:
    dialect: str
    counts: dict
    built_s: float
    rows: list[dict] = field(default_factory=list)
    bare: Sample | None = None
    bare_queries: int = 0
    mixed: dict = field(default_factory=dict)
    mixed_check: str = ""
    verify: str = ""
    verify_ok: bool = False


def run_database(kind: str, opts) -> DbResult:
    from flask_migrate import upgrade

    from bench.load import data, mixed, serve
    from bench.load.client import Browser
    from flo_portal.core import clock
    from flo_portal.core.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix=f"bench-load-{kind}-"))
    pg_url = None
    schema = ""
    if kind == "postgresql":
        pg_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG
        ensure_database(pg_url)
        schema = f"bench_load_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = pg_url
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite'}"
    env_vars = {
        "BENCH_LOAD_URL": url,
        "BENCH_LOAD_SCHEMA": schema,
        "BENCH_LOAD_UPLOADS": str(workdir / "uploads"),
    }
    os.environ.update(env_vars)
    env = dict(os.environ, FLASK_APP="bench.load.serve:portal_app()", PYTHONPATH=str(ROOT))
    server = None
    try:
        app = serve.portal_app()
        with app.app_context():
            upgrade(revision="heads")
            print(f"[{kind}] building the data set (scale {opts.scale}) ...", flush=True)
            world = data.build(opts.scale)
            result = DbResult(kind, world.counts, world.built_s)
            print(f"[{kind}] built in {world.built_s:.0f} s; starting gunicorn", flush=True)
            page_list = [p for p in pages(world) if not opts.only or opts.only in p.label]
            result.bare_queries = count_bare_queries(serve.bare_app())
            queries = count_page_queries(app, world, page_list)
            db.session.remove()
        server = start_server(env, workdir)
        meter = CpuMeter(server.proc.pid, pg_url)
        browsers = {}
        for role, accounts in world.accounts.items():
            for account in accounts:
                b = Browser(server.base, account.email, data.PASSWORD, account.totp)
                b.sign_in()
                browsers.setdefault(role, []).append((b, account))
        bare = requests.Session()
        bare.get(f"{server.base}/bare/login/{world.accounts['coordinator'][0].id}")
        bare_cookie = "; ".join(f"{c.name}={c.value}" for c in bare.cookies)
        for page in page_list:  # each answers 200 for its user before it is measured
            resp = browsers[page.role][0][0].get(page.path)
            if resp.status_code != 200 or resp.url != server.base + page.path:
                raise RuntimeError(f"{page.label}: {resp.status_code} at {resp.url}")
        wrk(f"{server.base}/bare/", bare_cookie, 2, meter, bool(pg_url))  # warm both workers
        bare_samples, samples = [], {p.label: [] for p in page_list}

        def measure_bare() -> Sample:
            s = wrk(f"{server.base}/bare/", bare_cookie, opts.duration, meter, bool(pg_url))
            print(f"  {'bare page':<34} {s.rps:7.1f} rps  p50 {s.p50:7.1f} ms", flush=True)
            return s

        for run in range(opts.runs):
            print(f"[{kind}] run {run + 1}/{opts.runs}", flush=True)
            bare_samples.append(measure_bare())
            for page in page_list:
                cookie = browsers[page.role][0][0].cookie_header()
                s = wrk(server.base + page.path, cookie, opts.duration, meter, bool(pg_url))
                samples[page.label].append(s)
                print(f"  {page.label:<34} {s.rps:7.1f} rps  p50 {s.p50:7.1f} ms", flush=True)
        bare_samples.append(measure_bare())
        result.bare = median_sample(bare_samples)
        for page in page_list:
            s = median_sample(samples[page.label])
            result.rows.append({"page": page, "sample": s, "queries": queries[page.label]})
        print(f"[{kind}] mixed scenario, {opts.mixed} s ...", flush=True)
        people = [pair for pairs in browsers.values() for pair in pairs]
        shared = mixed.run(people, opts.mixed, clock.today())
        result.mixed = mixed.summary(shared)
        result.mixed["error_samples"] = shared.errors[:5]
        with app.app_context():
            result.mixed_check = check_submitted(shared.submitted)
            db.session.remove()
        stop_server(server)
        server = None
        result.verify, result.verify_ok = audit_verify(env)
        return result
    finally:
        if server is not None:
            stop_server(server)
        if kind == "postgresql" and not opts.keep:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        elif kind == "postgresql":
            print(f"[{kind}] kept schema {schema} in {pg_url}")
        if opts.keep:
            print(f"[{kind}] kept {workdir} (gunicorn.log, the SQLite file)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def ensure_database(url: str) -> None:
    """Create the benchmark's database when the server does not have it yet (clean clone)."""
    target = sa.engine.make_url(url)
    server = sa.create_engine(
        target.set(database="postgres"), poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with server.connect() as conn:
            found = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            )
            if not found:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        server.dispose()


def check_submitted(submitted: list[tuple[int, str, str]]) -> str:
    """Every RFI the scenario submitted exists, with the reference it was shown, and no two
    RFIs in the database share a reference."""
    from flo_portal.core.extensions import db
    from flo_portal.rfis.models import Rfi

    ids = [i for i, _r, _e in submitted]
    stored = dict(db.session.execute(sa.select(Rfi.id, Rfi.reference).where(Rfi.id.in_(ids))).all())
    missing = [i for i in ids if i not in stored]
    wrong = [i for i, ref, _e in submitted if i in stored and stored[i] != ref]
    dupes = db.session.execute(
        sa.select(Rfi.reference).group_by(Rfi.reference).having(sa.func.count() > 1)
    ).all()
    distinct = len(set(stored.values())) == len(stored)
    ok = not missing and not wrong and not dupes and distinct
    return (
        f"{'OK' if ok else 'FAILED'}: {len(submitted)} RFIs submitted, {len(stored)} present, "
        f"{len(set(stored.values()))} distinct references"
        + (f", missing {missing[:5]}" if missing else "")
        + (f", reference changed {wrong[:5]}" if wrong else "")
        + (f", duplicated references {len(dupes)}" if dupes else "")
    )


def audit_verify(env: dict) -> tuple[str, bool]:
    cmd = [str(BIN / "flask"), "--app", "bench.load.serve:portal_app()", "audit", "verify"]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    lines = [ln for ln in (out.stdout + out.stderr).splitlines() if "OK:" in ln or "BROKEN" in ln]
    return (lines[-1] if lines else (out.stdout + out.stderr).strip()[-300:]), out.returncode == 0


# --- the report ------------------------------------------------------------------------------


def fmt(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def table(result: DbResult) -> str:
    b = result.bare
    pg = result.dialect == "postgresql"
    head = (
        "| page | rps | p50 ms | p95 ms | p99 ms | errors | SQL/req | web CPU ms/req | "
        f"{'PostgreSQL CPU ms/req' if pg else 'DB CPU ms/req'} | ratio to bare | p99 / bare p99 |"
    )
    lines = [head, "|" + "---|" * 11]
    lines.append(
        f"| **bare signed-in page** | {fmt(b.rps)} | {fmt(b.p50)} | {fmt(b.p95)} | "
        f"{fmt(b.p99)} | {b.errors} | {result.bare_queries} | {fmt(b.web_ms)} | "
        f"{fmt(b.db_ms) if pg else 'in web'} | 1.00 | 1.0 |"
    )
    for row in result.rows:
        s, page = row["sample"], row["page"]
        if not s.requests:
            lines.append(
                f"| {page.label} | 0 | – | – | – | {s.errors} | {row['queries']} |"
                " – | – | 0.00 | – |"
            )
            continue
        lines.append(
            f"| {page.label} | {fmt(s.rps)} | {fmt(s.p50)} | {fmt(s.p95)} | {fmt(s.p99)} | "
            f"{s.errors} | {row['queries']} | {fmt(s.web_ms)} | "
            f"{fmt(s.db_ms) if pg else 'in web'} | {s.rps / b.rps:.2f} | {s.p99 / b.p99:.1f} |"
        )
    return "\n".join(lines)


def report(results: list[DbResult], opts, command: str) -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    out = [
        f"## Load benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Command: `{command}`",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {mem:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- Load: gunicorn, 2 sync workers; `wrk -t2 -c16 -d{opts.duration}s --timeout 60s` per page, "
        f"median of {opts.runs} run(s); the bare page measured before every run and after the "
        "last (median). Client, server and database share the machine.",
        "- SQL/req: statements of one warm request, counted in-process. CPU/req: the "
        "gunicorn processes' (and the PostgreSQL backends serving them, found by "
        "application_name) CPU during the wrk run divided by the requests it completed; "
        "the workers finish what wrk left queued before the next page starts.",
        "",
    ]
    for r in results:
        counts = ", ".join(f"{v:,} {k}" for k, v in r.counts.items())
        m = r.mixed
        out += [
            f"### {r.dialect} ({counts}; built in {r.built_s:.0f} s)",
            "",
            table(r),
            "",
            f"Mixed scenario ({m['seconds']} s, {sum(1 for _ in m['actions'])} kinds of "
            f"action): {m['requests']:,} requests, {m['rps']:.1f} rps, p50 {m['p50']:.0f} ms, "
            f"p95 {m['p95']:.0f} ms, p99 {m['p99']:.0f} ms, **{m['errors']} errors**; "
            + ", ".join(f"{k}: {v}" for k, v in sorted(m["actions"].items())),
            "",
            f"Submitted RFIs: {r.mixed_check}",
            "",
            f"`flask audit verify` after the run: {'PASS' if r.verify_ok else 'FAIL'} — {r.verify}",
            "",
        ]
        if m.get("error_samples"):
            out += ["First errors: " + "; ".join(m["error_samples"]), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    full = env("BENCH_FULL", "") not in ("", "0")
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument(
        "--db", choices=["both", "postgresql", "sqlite"], default=env("BENCH_DB", "both")
    )
    parser.add_argument("--scale", type=float, default=float(env("BENCH_SCALE", "1")))
    parser.add_argument(
        "--duration", type=int, default=int(env("BENCH_DURATION", "8" if full else "4"))
    )
    parser.add_argument("--runs", type=int, default=int(env("BENCH_RUNS", "3" if full else "1")))
    parser.add_argument(
        "--mixed", type=int, default=int(env("BENCH_MIXED_SECONDS", "300" if full else "30"))
    )
    parser.add_argument("--only", default="", help="measure only pages whose label contains this")
    parser.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL schema and the work folder"
    )
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"))
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    opts = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk (Debian package)", file=sys.stderr)
        return 2
    kinds = ["postgresql", "sqlite"] if opts.db == "both" else [opts.db]
    command = "BENCH_FULL=1 make bench-load" if full else "make bench-load"
    extra = {
        k: v
        for k, v in os.environ.items()
        if k in ("BENCH_SCALE", "BENCH_DB", "BENCH_DURATION", "BENCH_RUNS", "BENCH_MIXED_SECONDS")
    }
    if extra or argv or len(sys.argv) > 1:
        command = " ".join(f"{k}={shlex.quote(v)}" for k, v in extra.items()) + " " + command
        if len(sys.argv) > 1:
            command = f"{command} (args: {' '.join(sys.argv[1:])})"
    results = [run_database(kind, opts) for kind in kinds]
    text = report(results, opts, command.strip())
    print("\n" + text)
    if not opts.no_results:
        write_results(Path(opts.results), text)
    failures = []
    for r in results:
        failures += [
            f"{r.dialect}: {row['page'].label}: {row['sample'].errors} errors"
            for row in r.rows
            if row["sample"].errors
        ]
        if r.mixed["errors"]:
            failures.append(f"{r.dialect}: mixed scenario: {r.mixed['errors']} errors")
        if not r.mixed_check.startswith("OK"):
            failures.append(f"{r.dialect}: submitted RFIs: {r.mixed_check}")
        if not r.verify_ok:
            failures.append(f"{r.dialect}: flask audit verify: {r.verify}")
    for failure in failures:
        print(f"CHECK FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def write_results(path: Path, text: str) -> None:
    header = (
        "# Benchmark results\n\n`make bench-load` writes its latest tables here "
        '(newest first); see README.md, "Load benchmark".\n\n'
    )
    old = path.read_text() if path.exists() else ""
    body = old.split("\n## ", 1)
    previous = "## " + body[1] if len(body) == 2 else ""
    path.write_text(header + text + "\n\n" + previous)


if __name__ == "__main__":
    sys.exit(main())
