"""Configuration classes, read from environment variables.

`create_app()` picks the class named by `FLO_ENV` (development, test, production);
every setting that differs between machines comes from the environment.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

_HERE = Path(__file__).resolve().parent
# In the repository, templates/, static/ and migrations/ sit beside this file; installed
# with `pip install .` they are inside the flo_portal package (pyproject.toml).
FROM_SOURCE = (_HERE / "templates").is_dir()
BASE_DIR = _HERE if FROM_SOURCE else _HERE / "flo_portal"
# The instance folder (SQLite file, uploads, checkpoints, backups): FLO_INSTANCE_DIR, else
# instance/ in the repository, else instance/ in the working directory of an install.
INSTANCE_DIR = Path(
    os.environ.get("FLO_INSTANCE_DIR") or (_HERE / "instance" if FROM_SOURCE else "instance")
).resolve()
DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - the known default production refuses


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'flo_portal.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Where uploaded evidence and attachments live: outside static/, served through checks.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
    MAX_UPLOAD_BYTES = _env_int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024)

    # Sessions (CJIS-style): idle expiry enforced per request in auth.session_rules.
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)  # even when in use
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # Account rules.
    LOCKOUT_THRESHOLD = _env_int("LOCKOUT_THRESHOLD", 5)
    LOCKOUT_MINUTES = _env_int("LOCKOUT_MINUTES", 10)
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 12)
    PASSWORD_MIN_SCORE = _env_int("PASSWORD_MIN_SCORE", 4)  # zxcvbn 0-4; 4 = 10^10 guesses
    PASSWORD_RESET_HOURS = _env_int("PASSWORD_RESET_HOURS", 2)
    INVITE_DAYS = _env_int("INVITE_DAYS", 7)
    ARGON2_PROFILE = os.environ.get("ARGON2_PROFILE", "RFC_9106_LOW_MEMORY")
    MFA_ISSUER = os.environ.get("MFA_ISSUER", "FLO Portal")
    # Roles that must use MFA; roles in MFA_GRACE_ROLES may sign in without it for
    # MFA_ENROLMENT_GRACE_DAYS from their first sign-in, the others enrol before signing in.
    MFA_REQUIRED_ROLES = _env_list(
        "MFA_REQUIRED_ROLES",
        "admin,coordinator,analyst,privacy_officer,agency_head,liaison_officer",
    )
    MFA_GRACE_ROLES = _env_list("MFA_GRACE_ROLES", "agency_head,liaison_officer")
    MFA_ENROLMENT_GRACE_DAYS = _env_int("MFA_ENROLMENT_GRACE_DAYS", 7)
    # Passkeys (WebAuthn). The relying party id and origin default to the host and origin
    # of PUBLIC_BASE_URL; set them when the portal is reached under another name.
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "")
    WEBAUTHN_ORIGIN = os.environ.get("WEBAUTHN_ORIGIN", "")
    WEBAUTHN_CHALLENGE_SECONDS = _env_int("WEBAUTHN_CHALLENGE_SECONDS", 120)
    # Roles that must sign in with a passkey (phishing-resistant MFA): TOTP alone is not
    # enough for them, and they are walked to register one. Empty: nobody is required to.
    PHISHING_RESISTANT_MFA_ROLES = _env_list("PHISHING_RESISTANT_MFA_ROLES")
    # Days after a new agreement version takes effect during which those who must sign it
    # may still use the portal; afterwards only their account and the agreement open.
    AGREEMENT_GRACE_DAYS = _env_int("AGREEMENT_GRACE_DAYS", 14)
    # Fernet keys (comma-separated, newest first) encrypting TOTP secrets at rest.
    # Empty outside production: a fixed development key is derived, with a warning.
    MFA_ENCRYPTION_KEYS = _env_list("MFA_ENCRYPTION_KEYS")

    # Mail goes through the outbox; the delivery job talks SMTP.
    # MAIL_BACKEND: "smtp" (the relay below) or "sink" (development: mail is kept in the
    # outbox, marked sent, and shown to administrators at /dev/mail; never production).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp").strip().lower()
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    # STARTTLS on a plain port (587/25), or implicit TLS (MAIL_USE_SSL, the default on 465);
    # either way the server's certificate and host name are verified against the system's
    # CAs, or only against MAIL_CA_FILE (PEM) when it is set (a center's own CA).
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", MAIL_PORT == 465)
    MAIL_CA_FILE = os.environ.get("MAIL_CA_FILE", "")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))  # seconds, connect and each reply
    # After a failed send a row is retried after BASE, 2*BASE, 4*BASE ... minutes, capped.
    OUTBOX_BACKOFF_BASE_MINUTES = _env_int("OUTBOX_BACKOFF_BASE_MINUTES", 1)
    OUTBOX_MAX_BACKOFF_MINUTES = _env_int("OUTBOX_MAX_BACKOFF_MINUTES", 360)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "flo-portal@fusion.example.gov")
    MAIL_ENABLED = _env_bool("MAIL_ENABLED", True)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # The center's name: in STIX (the identity that creates the center's reports) and
    # wherever the portal names who sends.
    CENTER_NAME = os.environ.get("CENTER_NAME", "FLO Portal fusion center")
    # The center's logo: a path under static/ (the navigation, printed products and PDFs).
    CENTER_LOGO = os.environ.get("CENTER_LOGO", "img/center-logo.svg")

    # Behind nginx (or any proxy) set TRUSTED_PROXY_HOPS to the number of proxies in front
    # of the app: client address and scheme are then read from X-Forwarded-For/-Proto
    # (flo_portal/core/proxy.py). 0: the headers are ignored (a client could forge them).
    TRUSTED_PROXY_HOPS = _env_int("TRUSTED_PROXY_HOPS", 0)

    # One store shared by every worker: redis://host:6379/0 in production (memory:// is
    # per process, so each gunicorn worker would count on its own).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "30 per minute")
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")

    SEND_FILE_MAX_AGE_DEFAULT = 3600  # vendored assets; cache-busted by file name changes
    WTF_CSRF_TIME_LIMIT = None  # the session's own expiry bounds the token
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "America/New_York")
    # The center's calendar: what "today" means for expiries, review dates and deadlines.
    CENTER_TIMEZONE = os.environ.get("CENTER_TIMEZONE", DISPLAY_TIMEZONE)

    # Words that send an RFI or product to privacy review (configurable).
    PROTECTED_ACTIVITY_TERMS = [
        t.strip()
        for t in os.environ.get(
            "PROTECTED_ACTIVITY_TERMS",
            "protest,rally,demonstration,march,mosque,church,synagogue,temple,religion,"
            "religious,ethnicity,ethnic,race,national origin,immigration status,political,"
            "sexual orientation,gender identity,petition,boycott,free speech",
        ).split(",")
        if t.strip()
    ]
    RETENTION_YEARS = _env_int("RETENTION_YEARS", 5)
    # A CVE course's checklist approval against the DHS CVE Training Guidance lasts this
    # many months from the review; then it must be reviewed again (flo_portal.training.cve).
    CVE_APPROVAL_MONTHS = _env_int("CVE_APPROVAL_MONTHS", 24)
    # The FLO's "how to report suspicious activity" guide: the newest published
    # training-material product carrying this topic (flo_portal.products.queries).
    SAR_REPORTING_GUIDE_TOPIC = os.environ.get("SAR_REPORTING_GUIDE_TOPIC", "sar-reporting-guide")

    # The audit chain is an HMAC under this key, kept outside the database. Empty
    # outside production: a fixed development key is used, with a warning.
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "")
    # Signed checkpoints of the chain head, written outside the database by a job.
    AUDIT_CHECKPOINT_FILE = os.environ.get(
        "AUDIT_CHECKPOINT_FILE", str(INSTANCE_DIR / "audit-checkpoints.jsonl")
    )
    SCHEDULER_ENABLED = _env_bool("SCHEDULER_ENABLED", False)

    # Housekeeping (a daily job): job runs and delivered e-mails older than these are
    # deleted. The defaults keep more than the year CJIS asks for (Security Policy 5.4.7).
    JOB_RUN_RETENTION_DAYS = _env_int("JOB_RUN_RETENTION_DAYS", 400)
    SENT_MAIL_RETENTION_DAYS = _env_int("SENT_MAIL_RETENTION_DAYS", 400)

    # Operations (flo_portal/ops). Logs: JSON lines on stderr (LOG_FORMAT=text for plain).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Every committed audit event as a JSON line to the SIEM's syslog: "host:port" (UDP)
    # or a socket path such as "/dev/log"; empty (the default) sends nothing.
    # The signed checkpoints of the chain go there too. AUDIT_SYSLOG_ADDRESS is the old name.
    SIEM_SYSLOG_ADDRESS = os.environ.get("SIEM_SYSLOG_ADDRESS") or os.environ.get(
        "AUDIT_SYSLOG_ADDRESS", ""
    )
    # /metrics answers a "Bearer METRICS_TOKEN" request, or one from these addresses.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    METRICS_ALLOWED_IPS = _env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
    # /readyz: not ready when the scheduler has not started a run for this long, when a
    # due mail has waited this long, or when a mail has failed this many times.
    READY_SCHEDULER_MAX_AGE_SECONDS = _env_int("READY_SCHEDULER_MAX_AGE_SECONDS", 300)
    READY_OUTBOX_STUCK_SECONDS = _env_int("READY_OUTBOX_STUCK_SECONDS", 900)
    READY_OUTBOX_MAX_ATTEMPTS = _env_int("READY_OUTBOX_MAX_ATTEMPTS", 10)
    # `flask backup create` writes here unless given --to.
    BACKUP_DIR = os.environ.get("BACKUP_DIR", str(INSTANCE_DIR / "backups"))


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False
    # `make run`: mail is caught by the sink (shown to administrators at /dev/mail), so
    # invitations and password resets can be followed without a mail server.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "sink").strip().lower()
    MAIL_ENABLED = _env_bool("MAIL_ENABLED", MAIL_BACKEND == "sink")


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    ARGON2_PROFILE = "CHEAPEST"
    MAIL_ENABLED = False
    RATELIMIT_ENABLED = False
    # Request-level tests post forms directly; CSRF is tested on its own with it on, and
    # the browser tests' live server runs with it on (tests/browser/fixtures.py).
    WTF_CSRF_ENABLED = False
    # Tests that need checkpoints point this at a temporary file.
    AUDIT_CHECKPOINT_FILE = os.environ.get("AUDIT_CHECKPOINT_FILE", "")


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SESSION_COOKIE_SAMESITE = "Strict"
    # Behind nginx every request would come from 127.0.0.1: scrape with METRICS_TOKEN,
    # or list the Prometheus server's address here explicitly.
    METRICS_ALLOWED_IPS = _env_list("METRICS_ALLOWED_IPS", "")

    @classmethod
    def validate(cls) -> None:
        if cls.SECRET_KEY == DEFAULT_SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError(
                "Refusing to start in production with the default or a short SECRET_KEY; "
                "set SECRET_KEY to at least 32 random characters."
            )
        if not cls.MFA_ENCRYPTION_KEYS:
            raise RuntimeError(
                "Refusing to start in production without MFA_ENCRYPTION_KEYS (Fernet keys, "
                "comma-separated, newest first); make one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`."
            )
        from cryptography.fernet import Fernet

        for key in cls.MFA_ENCRYPTION_KEYS:
            try:
                Fernet(key)
            except ValueError as err:
                raise RuntimeError(
                    "MFA_ENCRYPTION_KEYS holds a key that is not a Fernet key."
                ) from err
        if len(cls.AUDIT_HMAC_KEY) < 32:
            raise RuntimeError(
                "Refusing to start in production without AUDIT_HMAC_KEY (at least 32 random "
                "characters, kept outside the database); make one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if cls.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            raise RuntimeError("Production needs DATABASE_URL pointing at PostgreSQL.")
        if cls.RATELIMIT_STORAGE_URI.strip().lower().startswith("memory://"):
            raise RuntimeError(
                "Refusing to start in production with RATELIMIT_STORAGE_URI=memory:// (each "
                "worker would keep its own sign-in counters); set RATELIMIT_STORAGE_URI to "
                "the shared Redis, e.g. redis://127.0.0.1:6379/0."
            )
        if cls.MAIL_BACKEND != "smtp":
            raise RuntimeError(
                f"Refusing to start in production with MAIL_BACKEND={cls.MAIL_BACKEND!r}; "
                "production sends mail through the SMTP relay (MAIL_BACKEND=smtp)."
            )
        if cls.TRUSTED_PROXY_HOPS < 0:
            raise RuntimeError("TRUSTED_PROXY_HOPS must be 0 (no proxy) or more.")


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
