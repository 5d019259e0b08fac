"""gunicorn settings for FLO Portal: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (the systemd unit's EnvironmentFile,
docker-compose's env_file), so this file is the same on every machine.
"""

import os


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use (cgroups, taskset)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Where nginx reaches the app. In a container: 0.0.0.0:8000 (the compose file sets it).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers, two per usable CPU (the app waits mostly on PostgreSQL), at least
# two, at most 16; WEB_CONCURRENCY overrides. Each worker has its own database pool.
workers = _int("WEB_CONCURRENCY", min(max(2 * _usable_cpus(), 2), 16))
worker_class = "sync"
threads = _int("GUNICORN_THREADS", 1)

# A request that takes longer than this is killed and its worker replaced (the CSV
# exports and the roster import are the slow ones); then a graceful stop of 30 s.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # behind nginx, which keeps its own upstream pool

# Workers are recycled now and then, so a slow leak never grows unbounded.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The heartbeat file on a RAM disk: a worker is never killed because a disk is slow.
# Only gunicorn's own heartbeat files (unlinked at once) go there.
if os.path.isdir("/dev/shm"):  # noqa: S108
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Addresses allowed to set X-Forwarded-Proto (gunicorn's own scheme handling): nginx only.
# The client address itself is read by the app (TRUSTED_PROXY_HOPS, flo_portal/core/proxy.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Limits on the request line and headers (nginx has its own, usually tighter).
limit_request_line = 8190
limit_request_fields = 100

# Logs on stdout/stderr (journald or the container's log). The access line carries the
# client address the app believes (%(h)s: with TRUSTED_PROXY_HOPS the forwarded one, else
# the socket peer), the X-Forwarded-For header as received and nginx's request id.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    'client=%(h)s forwarded_for="%({x-forwarded-for}i)s" request_id=%({x-request-id}i)s '
    '"%(r)s" status=%(s)s bytes=%(B)s ms=%(M)s referer="%(f)s" agent="%(a)s"'
)

proc_name = "flo-portal-web"
# gunicorn's control socket ($HOME/.gunicorn/gunicorn.ctl) is off: the service's home is
# read-only under systemd and in the image; reload with SIGHUP instead.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "") != "on"
# No preload: each worker imports the app and opens its own connections after the fork.
preload_app = False


# Prometheus in multi-process mode (flo_portal/ops/metrics.py): with PROMETHEUS_MULTIPROC_DIR
# set (the systemd unit and compose set it), the folder is emptied when gunicorn starts, and
# a worker that exits takes its live gauges with it.
def on_starting(server):
    import shutil
    from pathlib import Path

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from flo_portal.ops.metrics import mark_process_dead

    mark_process_dead(worker.pid)
