"""The one table from role to permissions. tests/security/test_permissions.py pins it."""

from __future__ import annotations

from enum import StrEnum

from flo_portal.core.enums import LabelledEnum


class Role(LabelledEnum):
    ADMIN = "admin", "Administrator"
    COORDINATOR = "coordinator", "FLO coordinator"
    ANALYST = "analyst"
    PRIVACY_OFFICER = "privacy_officer"
    AGENCY_HEAD = "agency_head"
    LIAISON_OFFICER = "liaison_officer", "Fusion liaison officer"

    @property
    def is_center_staff(self) -> bool:
        return self in CENTER_STAFF


# Center staff must use multi-factor sign-in and belong to no partner agency.
CENTER_STAFF = frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST, Role.PRIVACY_OFFICER})


class Permission(StrEnum):
    # accounts and oversight
    USERS_MANAGE = "users:manage"
    AUDIT_READ = "audit:read"
    AUDIT_EXPORT = "audit:export"
    JOBS_READ = "jobs:read"
    # agencies and roster
    AGENCY_READ = "agency:read"  # own agency only unless ROSTER_READ_ALL
    AGENCY_EDIT = "agency:edit"
    ROSTER_READ_ALL = "roster:read_all"
    ROSTER_READ_OWN_AGENCY = "roster:read_own_agency"
    ROSTER_EDIT = "roster:edit"
    ROSTER_NOMINATE = "roster:nominate"
    ROSTER_VET = "roster:vet"
    ROSTER_IMPORT = "roster:import"
    ROSTER_EXPORT = "roster:export"
    AGREEMENT_MANAGE = "agreement:manage"  # publish agreements, see and remind who has not signed
    TRAINING_READ = "training:read"
    TRAINING_EDIT = "training:edit"
    CATALOGUE_EDIT = "catalogue:edit"
    COVERAGE_READ = "coverage:read"
    CVE_REVIEW = "cve:review"  # review a CVE course against the DHS CVE Training Guidance
    CVE_REPORT = "cve:report"  # the CVE courses by review standing
    # RFIs
    RFI_SUBMIT = "rfi:submit"
    RFI_READ = "rfi:read"  # scoped by the RFI policy
    RFI_QUEUE = "rfi:queue"  # the center's queue
    RFI_TRIAGE = "rfi:triage"
    RFI_ASSIGN = "rfi:assign"
    RFI_ANSWER = "rfi:answer"
    RFI_TASK = "rfi:task"
    RFI_METRICS = "rfi:metrics"
    PRIVACY_REVIEW = "privacy:review"
    # products
    PRODUCT_READ = "product:read"  # scoped by the dissemination rule
    PRODUCT_DRAFT = "product:draft"
    PRODUCT_PUBLISH = "product:publish"
    PRODUCT_REACH = "product:reach"
    PRODUCT_FEEDBACK = "product:feedback"
    RETENTION_REVIEW = "retention:review"
    # briefings
    BRIEFING_READ = "briefing:read"
    BRIEFING_MANAGE = "briefing:manage"
    BRIEFING_RSVP = "briefing:rsvp"
    # suspicious activity reports and redress
    SAR_SUBMIT = "sar:submit"
    SAR_VET = "sar:vet"
    REDRESS_REVIEW = "redress:review"  # any signed-in user may file a request
    # federated sign-in
    FEDERATION_MANAGE = "federation:manage"  # configure identity providers
    FEDERATION_REVIEW = "federation:review"  # accept or refuse link requests


P = Permission

# An analyst's permissions are all also a coordinator's, and an FLO's all also an agency
# head's: each wider role is written as the narrower one and what it adds.
ANALYST_PERMISSIONS = frozenset(
    {
        P.AGENCY_READ,
        P.ROSTER_READ_ALL,
        P.TRAINING_READ,
        P.RFI_READ,
        P.RFI_QUEUE,
        P.RFI_ANSWER,
        P.RFI_TASK,
        P.PRODUCT_READ,
        P.PRODUCT_DRAFT,
        P.PRODUCT_REACH,
        P.BRIEFING_READ,
        P.SAR_VET,
    }
)
FLO_PERMISSIONS = frozenset(
    {
        P.RFI_SUBMIT,
        P.RFI_READ,
        P.PRODUCT_READ,
        P.PRODUCT_FEEDBACK,
        P.BRIEFING_READ,
        P.BRIEFING_RSVP,
        P.SAR_SUBMIT,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # The admin role carries no intelligence content by itself (brief).
    Role.ADMIN: frozenset(
        {P.USERS_MANAGE, P.AUDIT_READ, P.AUDIT_EXPORT, P.JOBS_READ, P.FEDERATION_MANAGE}
    ),
    Role.COORDINATOR: ANALYST_PERMISSIONS
    | {
        P.JOBS_READ,
        P.AGENCY_EDIT,
        P.ROSTER_EDIT,
        P.ROSTER_NOMINATE,
        P.ROSTER_VET,
        P.ROSTER_IMPORT,
        P.ROSTER_EXPORT,
        P.AGREEMENT_MANAGE,
        P.TRAINING_EDIT,
        P.CATALOGUE_EDIT,
        P.COVERAGE_READ,
        P.CVE_REPORT,
        P.RFI_TRIAGE,
        P.RFI_ASSIGN,
        P.RFI_METRICS,
        P.PRODUCT_PUBLISH,
        P.BRIEFING_MANAGE,
        P.FEDERATION_REVIEW,
    },
    Role.ANALYST: ANALYST_PERMISSIONS,
    Role.PRIVACY_OFFICER: frozenset(
        {
            P.AUDIT_READ,
            P.AUDIT_EXPORT,
            P.PRIVACY_REVIEW,
            P.RETENTION_REVIEW,
            P.CVE_REVIEW,
            P.CVE_REPORT,
            P.RFI_READ,
            P.PRODUCT_READ,
            P.BRIEFING_READ,
            P.REDRESS_REVIEW,
        }
    ),
    Role.AGENCY_HEAD: FLO_PERMISSIONS
    | {
        P.AGENCY_READ,
        P.ROSTER_READ_OWN_AGENCY,
        P.ROSTER_NOMINATE,
        P.TRAINING_READ,
        P.COVERAGE_READ,
    },
    Role.LIAISON_OFFICER: FLO_PERMISSIONS,
}


def role_has(role: str | Role | None, permission: Permission) -> bool:
    """True when the role's row of the table holds the permission."""
    if role is None:
        return False
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
