"""What the training feature shows inside another feature's page: the officer profile's
"record training" and "attach evidence" forms. Built here, so no other feature imports
training's forms (the import-layer rule); the forms post to training's own routes."""

from __future__ import annotations

import sqlalchemy as sa

from flo_portal.core.extensions import db
from flo_portal.core.formtools import choices
from flo_portal.security import Permission
from flo_portal.security.access import can
from flo_portal.training.forms import EvidenceForm, RecordForm
from flo_portal.training.models import TrainingCourse


def officer_training_forms(user) -> dict:
    """The forms of the profile's training section for ``user``: the active courses to
    record are offered only to those who may record training."""
    courses = []
    if can(Permission.TRAINING_EDIT, user):
        courses = db.session.execute(
            sa.select(TrainingCourse.id, TrainingCourse.code, TrainingCourse.title)
            .where(TrainingCourse.active.is_(True))
            .order_by(TrainingCourse.code)
        ).all()
    record_form = RecordForm()
    record_form.course_id.choices = choices([(c.id, f"{c.code} — {c.title}") for c in courses])
    return {"record_form": record_form, "evidence_form": EvidenceForm()}
