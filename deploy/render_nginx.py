"""Print the nginx site for this deployment: `python deploy/render_nginx.py > site.conf`.

Reads SERVER_NAME, TLS_CERTIFICATE, TLS_CERTIFICATE_KEY, STATIC_ROOT, UPSTREAM, NGINX_LOG_DIR and
MAX_CONTENT_LENGTH from the environment (the app's own env file), so nginx's upload
limit is the app's (config.Config.MAX_CONTENT_LENGTH, 10 MiB by default).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def render(env: dict[str, str] | None = None) -> str:
    env = dict(os.environ if env is None else env)
    from config import Config

    values = {
        "SERVER_NAME": env.get("SERVER_NAME", "flo-portal.example.gov"),
        "TLS_CERTIFICATE": env.get("TLS_CERTIFICATE", "/etc/ssl/flo-portal/fullchain.pem"),
        "TLS_CERTIFICATE_KEY": env.get("TLS_CERTIFICATE_KEY", "/etc/ssl/flo-portal/privkey.pem"),
        "STATIC_ROOT": env.get("STATIC_ROOT", str(HERE.parent / "static")).rstrip("/"),
        "UPSTREAM": env.get("UPSTREAM", "127.0.0.1:8000"),
        "LOG_DIR": env.get("NGINX_LOG_DIR", "/var/log/nginx").rstrip("/"),
        # nginx takes a plain number as bytes; the app refuses the same bodies with 413.
        "CLIENT_MAX_BODY_SIZE": str(
            int(env.get("MAX_CONTENT_LENGTH") or Config.MAX_CONTENT_LENGTH)
        ),
    }
    template = Template((HERE / "nginx" / "flo-portal.conf.template").read_text())
    # $host, $scheme ... are nginx's own variables: only ours are substituted.
    return template.safe_substitute(values)


if __name__ == "__main__":
    sys.stdout.write(render())
