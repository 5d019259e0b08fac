"""Core `flask` commands: seed-demo, create-admin, audit verify."""

from __future__ import annotations

import click
from flask import Flask, current_app

from flo_portal.core.extensions import db
from flo_portal.core.unit_of_work import transaction


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
    def seed_demo(if_empty: bool) -> None:
        """Fill the database with a small demo world and print the demo sign-ins."""
        from flo_portal.demo import demo_already_seeded, run_demo

        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("seed-demo refuses to run in production.")
        if demo_already_seeded():
            if if_empty:
                click.echo("Demo data already present; nothing to do.")
                _print_existing_demo_sign_ins()
                return
            raise click.ClickException("The database already has users; seed an empty one.")
        with transaction():
            ctx = run_demo()
        _save_sign_ins(ctx.sign_ins)
        _print_sign_ins(ctx.sign_ins)

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
        """Create an administrator (MFA enrolment is asked at first sign-in)."""
        import sqlalchemy as sa

        from flo_portal.audit.services import record
        from flo_portal.auth.passwords import hash_password, password_problems
        from flo_portal.security.permissions import Role
        from flo_portal.users.models import User

        problems = password_problems(password, email=email, name=name)
        if problems:
            raise click.ClickException(" ".join(problems))
        if db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower())):
            raise click.ClickException(f"A user {email} already exists.")
        with transaction():
            user = User(
                email=email.lower(),
                name=name,
                role=Role.ADMIN,
                password_hash=hash_password(password),
            )
            db.session.add(user)
            db.session.flush()
            record("user.created", user, summary="flask create-admin", actor=user)
        click.echo(f"Administrator {email} created.")

    audit = click.Group("audit", help="Audit trail commands.")

    @audit.command("verify")
    def audit_verify() -> None:
        """Check the hash chain; report the first broken link."""
        from flo_portal.audit.services import verify_chain

        report = verify_chain()
        if report.ok:
            click.echo(f"OK: {report.checked} audit events, chain intact.")
            return
        click.echo(
            f"BROKEN at audit_event id {report.broken_at}: {report.reason} "
            f"(after {report.checked - 1} good events).",
            err=True,
        )
        raise SystemExit(1)

    app.cli.add_command(audit)


def _sign_ins_file():
    from pathlib import Path

    return Path(current_app.instance_path) / "demo-sign-ins.txt"


def _format_sign_ins(sign_ins: list[dict]) -> str:
    lines = ["", "Demo sign-ins (password for all: shown below)", "-" * 78]
    for s in sign_ins:
        mfa = f"  TOTP secret: {s['totp']}" if s["totp"] else "  (MFA set-up offered; skippable)"
        lines.append(f"{s['role']:<16} {s['email']:<34} {s['password']}{mfa}")
    lines.append(
        'Add a TOTP secret to an authenticator app (or: python -c "import pyotp;'
        " print(pyotp.TOTP('SECRET').now())\"). Partner users are walked to MFA\n"
        "enrolment at sign-in and may skip it for MFA_ENROLMENT_GRACE_DAYS (7) days."
    )
    return "\n".join(lines)


def _save_sign_ins(sign_ins: list[dict]) -> None:
    _sign_ins_file().write_text(_format_sign_ins(sign_ins) + "\n", encoding="utf-8")


def _print_sign_ins(sign_ins: list[dict]) -> None:
    click.echo(_format_sign_ins(sign_ins))


def _print_existing_demo_sign_ins() -> None:
    path = _sign_ins_file()
    if path.exists():
        click.echo(path.read_text(encoding="utf-8"))
