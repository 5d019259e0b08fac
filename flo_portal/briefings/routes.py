"""Briefing pages: calendar (month and list), schedule/edit/cancel, RSVP, attendance, .ics."""

from __future__ import annotations

import calendar as pycal
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from flo_portal.audit.reads import audit_listing
from flo_portal.audit.services import record
from flo_portal.briefings import (
    dashboard,  # noqa: F401 - registers the dashboard card
    ics,
    services,
)
from flo_portal.briefings import profile as _profile_section  # noqa: F401 - registers it
from flo_portal.briefings.forms import BriefingForm, CancelForm, briefing_values
from flo_portal.briefings.models import (
    Briefing,
    BriefingInvitation,
    RsvpStatus,
)
from flo_portal.briefings.policies import (
    can_manage_briefings,
    invitation_for,
    visible_briefings_condition,
)
from flo_portal.briefings.queries import (
    get_manageable_briefing_or_404,
    get_own_invitation_or_404,
    get_visible_briefing_or_404,
    my_rsvps,
)
from flo_portal.core import clock
from flo_portal.core.display import plural, viewer_zone
from flo_portal.core.errors import InputError
from flo_portal.core.extensions import db
from flo_portal.core.formtools import EmptyForm, form_page, show_error, show_version, stale_edit
from flo_portal.core.orm import utcnow
from flo_portal.security import Permission, can, public, require

bp = Blueprint("briefings", __name__)


def _parse_month(value: str | None) -> date:
    today = clock.now().astimezone(viewer_zone()).date()  # the viewer's calendar
    try:
        year, month = (int(x) for x in (value or "").split("-", 1))
        return date(year, month, 1) if 1900 < year < 3000 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


@bp.route("/")
@require(Permission.BRIEFING_READ)
def index():
    view = request.args.get("view", "list")
    visible = visible_briefings_condition(current_user)
    if view == "month":
        first = _parse_month(request.args.get("month"))
        zone = viewer_zone()
        last = date(first.year, first.month, pycal.monthrange(first.year, first.month)[1])
        start_utc = datetime.combine(first - timedelta(days=7), datetime.min.time(), zone)
        end_utc = datetime.combine(last + timedelta(days=8), datetime.min.time(), zone)
        rows = db.session.scalars(
            sa.select(Briefing)
            .where(visible, Briefing.starts_at >= start_utc, Briefing.starts_at < end_utc)
            .order_by(Briefing.starts_at)
        ).all()
        audit_listing("briefing", {}, len(rows), listing="month")
        by_day: dict[date, list[Briefing]] = {}
        for b in rows:
            by_day.setdefault(b.starts_at.astimezone(zone).date(), []).append(b)
        weeks = pycal.Calendar(firstweekday=6).monthdatescalendar(first.year, first.month)
        prev_month = (first - timedelta(days=1)).replace(day=1)
        next_month = last + timedelta(days=1)
        return render_template(
            "briefings/month.html",
            first=first,
            weeks=weeks,
            by_day=by_day,
            prev_month=prev_month,
            next_month=next_month,
            today=clock.now().astimezone(zone).date(),
            month_items=[
                b for b in rows if b.starts_at.astimezone(zone).date().month == first.month
            ],
        )
    show = request.args.get("show", "upcoming")
    stmt = sa.select(Briefing).where(visible)
    if show == "past":
        stmt = stmt.where(Briefing.ends_at < utcnow()).order_by(Briefing.starts_at.desc())
    else:
        show = "upcoming"
        stmt = stmt.where(Briefing.ends_at >= utcnow()).order_by(Briefing.starts_at)
    page = db.paginate(stmt, per_page=20, error_out=False)
    audit_listing("briefing", {}, page.total, listing=show, page=page.page)
    mine = my_rsvps(current_user, [b.id for b in page.items])
    return render_template("briefings/list.html", page=page, show=show, mine=mine)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.BRIEFING_MANAGE)
def new():
    form = BriefingForm(user_timezone=current_user.timezone)
    del form["version"]  # nothing to be stale against yet
    if form.validate_on_submit():
        try:
            created = services.schedule_briefing(form.to_data(), current_user)
        except InputError as exc:
            show_error(form, exc)
        else:
            invited = db.session.scalar(
                sa.select(sa.func.count(BriefingInvitation.id)).where(
                    BriefingInvitation.briefing_id == created[0].id
                )
            )
            flash(
                f"Briefing scheduled ({plural(len(created), 'occurrence')}); "
                f"{plural(invited, 'person')} invited.",
                "success",
            )
            return redirect(url_for("briefings.detail", briefing_id=created[0].id))
    return form_page("briefings/form.html", form, briefing=None)


@bp.route("/<int:briefing_id>")
@require(Permission.BRIEFING_READ)
def detail(briefing_id: int):
    b = get_visible_briefing_or_404(current_user, briefing_id)
    invitation = invitation_for(current_user, b)
    manage = can_manage_briefings(current_user)
    invitations = None
    if manage:
        invitations = db.paginate(
            sa.select(BriefingInvitation)
            .where(BriefingInvitation.briefing_id == b.id)
            .order_by(
                BriefingInvitation.status,
                BriefingInvitation.waitlisted_at,
                BriefingInvitation.id,
            ),
            per_page=100,
            error_out=False,
        )
    waitlist_position = None
    if invitation is not None and invitation.status == RsvpStatus.WAITLISTED:
        waitlist_position = 1 + db.session.scalar(
            sa.select(sa.func.count(BriefingInvitation.id)).where(
                BriefingInvitation.briefing_id == b.id,
                BriefingInvitation.status == RsvpStatus.WAITLISTED,
                sa.or_(
                    BriefingInvitation.waitlisted_at < invitation.waitlisted_at,
                    sa.and_(
                        BriefingInvitation.waitlisted_at == invitation.waitlisted_at,
                        BriefingInvitation.id < invitation.id,
                    ),
                ),
            )
        )
    return render_template(
        "briefings/detail.html",
        b=b,
        invitation=invitation,
        invitations=invitations,
        counts=services.rsvp_counts(b),
        manage=manage,
        waitlist_position=waitlist_position,
        action_form=EmptyForm(),
        cancel_form=CancelForm(),
        over=b.ends_at <= utcnow(),
    )


@bp.route("/<int:briefing_id>/edit", methods=["GET", "POST"])
@require(Permission.BRIEFING_MANAGE)
def edit(briefing_id: int):
    b = get_manageable_briefing_or_404(current_user, briefing_id)
    if b.is_cancelled:
        flash("A cancelled briefing cannot be edited.", "warning")
        return redirect(url_for("briefings.detail", briefing_id=b.id))
    form = BriefingForm(editing=True, user_timezone=b.timezone)
    if request.method == "GET":
        form.fill_from(b)
    show_version(form, b)
    if form.validate_on_submit():
        if stale_edit(form, b, form.values(), current=briefing_values(b)):
            return form_page("briefings/form.html", form, briefing=b)
        try:
            result = services.update_briefing(b, form.to_data(), current_user)
        except InputError as exc:
            show_error(form, exc)
        else:
            extra = f" {result['invited']} newly invited." if result["invited"] else ""
            flash("Briefing saved." + extra, "success")
            return redirect(url_for("briefings.detail", briefing_id=b.id))
    return form_page("briefings/form.html", form, briefing=b)


@bp.route("/<int:briefing_id>/cancel", methods=["POST"])
@require(Permission.BRIEFING_MANAGE)
def cancel(briefing_id: int):
    b = get_manageable_briefing_or_404(current_user, briefing_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash("The reason is too long.", "danger")
        return redirect(url_for("briefings.detail", briefing_id=b.id))
    told = services.cancel_briefing(b, form.reason.data or "", current_user)
    flash(f"Briefing cancelled; {told} invitees told.", "success")
    return redirect(url_for("briefings.detail", briefing_id=b.id))


@bp.route("/<int:briefing_id>/rsvp", methods=["POST"])
@require(Permission.BRIEFING_RSVP)
def rsvp(briefing_id: int):
    b = get_visible_briefing_or_404(current_user, briefing_id)
    invitation = get_own_invitation_or_404(current_user, b)
    if not EmptyForm().validate_on_submit():
        abort(400)
    status = services.rsvp(b, invitation, request.form.get("answer", ""), current_user)
    messages = {
        RsvpStatus.YES: "You are attending.",
        RsvpStatus.WAITLISTED: "The briefing is full: you are on the waitlist and will be told if a place frees up.",
        RsvpStatus.MAYBE: "Answer saved: maybe.",
        RsvpStatus.NO: "Answer saved: not attending.",
    }
    flash(messages.get(status, "Answer saved."), "success")
    return redirect(url_for("briefings.detail", briefing_id=b.id))


@bp.route("/<int:briefing_id>/attendance", methods=["GET", "POST"])
@require(Permission.BRIEFING_MANAGE)
def attendance(briefing_id: int):
    b = get_manageable_briefing_or_404(current_user, briefing_id)
    invitations = (
        db.session.scalars(
            sa.select(BriefingInvitation)
            .where(BriefingInvitation.briefing_id == b.id)
            .order_by(BriefingInvitation.status, BriefingInvitation.id)
        )
        .unique()
        .all()
    )
    form = EmptyForm()
    if form.validate_on_submit():
        present = set()
        for raw in request.form.getlist("present"):
            try:
                present.add(int(raw))
            except ValueError:
                abort(400)
        result = services.take_attendance(b, present, current_user)
        text = f"Attendance saved: {result.attended} present."
        if b.credit_course_id:
            text += f" {result.credited} training records created"
            if result.already_credited:
                text += f", {result.already_credited} already recorded"
            text += "."
            if result.not_on_roster:
                text += f" Not on the roster (no credit): {', '.join(result.not_on_roster)}."
        flash(text, "success")
        return redirect(url_for("briefings.attendance", briefing_id=b.id))
    return render_template("briefings/attendance.html", b=b, invitations=invitations, form=form)


@bp.route("/<int:briefing_id>/calendar.ics")
@require(Permission.BRIEFING_READ)
def briefing_ics(briefing_id: int):
    b = get_visible_briefing_or_404(current_user, briefing_id)
    record("briefing.ics_downloaded", b, summary=b.title, actor=current_user)
    return Response(
        ics.calendar_bytes([b], b.title),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="briefing-{b.id}.ics"'},
    )


@bp.route("/feed", methods=["GET"])
@require(Permission.BRIEFING_READ)
def feed_settings():
    token = session.pop("new_feed_token", None)
    feed_url = url_for("briefings.feed", token=token, _external=True) if token else None
    return render_template(
        "briefings/feed.html",
        feed_url=feed_url,
        has_token=services.has_feed_token(current_user),
        action_form=EmptyForm(),
    )


@bp.route("/feed/new", methods=["POST"])
@require(Permission.BRIEFING_READ)
def feed_new():
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = services.create_feed_token(current_user)
    # Shown once on the next page, then gone: only its hash is stored.
    session["new_feed_token"] = token
    return redirect(url_for("briefings.feed_settings"))


@bp.route("/feed/revoke", methods=["POST"])
@require(Permission.BRIEFING_READ)
def feed_revoke():
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.revoke_feed_tokens(current_user)
    flash("Your calendar feed link no longer works.", "success")
    return redirect(url_for("briefings.feed_settings"))


@bp.route("/feed/<token>.ics")
@public
def feed(token: str):
    """A calendar client's subscription: the token is the credential."""
    user = services.user_for_feed_token(token)
    if user is None or not can(Permission.BRIEFING_READ, user):
        abort(404)
    since = utcnow() - timedelta(days=90)
    briefings = db.session.scalars(
        sa.select(Briefing)
        .where(visible_briefings_condition(user), Briefing.ends_at >= since)
        .order_by(Briefing.starts_at)
        .limit(1000)
    ).all()
    return Response(ics.calendar_bytes(briefings, "FLO Portal briefings"), mimetype="text/calendar")
