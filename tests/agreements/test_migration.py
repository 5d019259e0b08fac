"""Migration 0020a: the roster's typed NDA and privacy dates become paper signatures."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from flo_portal.agreements.models import AgreementSignature, AgreementVersion, VersionStatus
from flo_portal.agreements.queries import current_versions_for_role, unsigned_current_versions
from flo_portal.core.extensions import db
from flo_portal.roster.models import Officer, OfficerStatus
from flo_portal.roster.workflow import onboarding_problems
from flo_portal.security.permissions import Role
from tests.conftest import scratch_app, search_index_paused
from tests.factories import AgencyFactory, UserFactory
from tests.roster.factories import OfficerFactory


def test_typed_dates_are_carried_over_as_paper_signatures(tmp_path):
    with scratch_app(tmp_path) as app, app.app_context(), search_index_paused():
        upgrade(revision="0019")
        agency = AgencyFactory()
        flo = UserFactory(role=Role.LIAISON_OFFICER, agency=agency)
        signed = OfficerFactory(
            agency=agency,
            user=flo,
            first_name="Pat",
            last_name="Paper",
            supervisor_approved_on=date(2025, 1, 2),
            nda_signed_on=date(2025, 1, 6),
            privacy_ack_on=date(2025, 1, 7),
            privacy_policy_version="2.1",
        )
        OfficerFactory(agency=agency, privacy_ack_on=date(2024, 5, 1), privacy_policy_version="")
        OfficerFactory(agency=agency, status=OfficerStatus.NOMINATED)
        db.session.commit()
        signed_id, flo_id = signed.id, flo.id

        upgrade(revision="heads")
        versions = {
            (str(v.kind), v.version): v for v in db.session.scalars(sa.select(AgreementVersion))
        }
        assert set(versions) == {("nda", "paper"), ("privacy", "paper-2.1"), ("privacy", "paper")}
        assert {v.status for v in versions.values()} == {VersionStatus.HISTORICAL}
        sigs = db.session.scalars(
            sa.select(AgreementSignature).where(AgreementSignature.officer_id == signed_id)
        ).all()
        by_kind = {str(s.version.kind): s for s in sigs}
        assert by_kind["nda"].paper_signed_on == date(2025, 1, 6)
        assert by_kind["privacy"].paper_signed_on == date(2025, 1, 7)
        assert by_kind["privacy"].version.version == "paper-2.1"
        assert {s.method for s in sigs} == {"paper"} and {s.user_id for s in sigs} == {flo_id}
        assert by_kind["nda"].signed_name == "Pat Paper"
        assert by_kind["nda"].version_sha256 == by_kind["nda"].version.sha256
        assert db.session.scalar(sa.select(sa.func.count(AgreementSignature.id))) == 3
        # Historical versions are never current: nobody is asked to sign them, and the
        # typed dates (kept) still stand for activation while nothing is published.
        with app.test_request_context():
            user = db.session.get(type(flo), flo_id)
            assert current_versions_for_role(Role.LIAISON_OFFICER) == []
            assert unsigned_current_versions(user) == []
            assert onboarding_problems(db.session.get(Officer, signed_id)) == []
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("officer")}
        assert {"nda_signed_on", "privacy_ack_on", "privacy_policy_version"} <= columns
        db.session.commit()
        downgrade(revision="0019")
        assert not sa.inspect(db.engine).has_table("agreement_signature")
        db.session.remove()
        db.engine.dispose()
