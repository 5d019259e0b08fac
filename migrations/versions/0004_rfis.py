"""rfis: requests for information, taskings, conversation, attachments, counters

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-27

Search is ILIKE over title, question and answer. On PostgreSQL ix_rfi_search_trgm is a
GIN trigram index (extension pg_trgm, a trusted extension since PostgreSQL 13); on
SQLite the same-named index is a plain one, so models and migrations agree on both.
"""

from alembic import op
import sqlalchemy as sa

import flo_portal.core.orm


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

SEARCH_INDEX = "ix_rfi_search_trgm"
SEARCH_COLUMNS = ("title", "question", "answer")


def _create_search_index():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        op.create_index(SEARCH_INDEX, "rfi", list(SEARCH_COLUMNS), unique=False)
        return
    # Into public when absent (never into a per-test schema that gets dropped); if it
    # is already installed elsewhere, use the schema it lives in.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    schema = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar_one()
    ops = ", ".join(f'{c} "{schema}".gin_trgm_ops' for c in SEARCH_COLUMNS)
    op.execute(f"CREATE INDEX {SEARCH_INDEX} ON rfi USING gin ({ops})")


def upgrade():
    op.create_table(
        "rfi_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_rfi_counter")),
    )
    op.create_table(
        "rfi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("ref_year", sa.Integer(), nullable=False),
        sa.Column("ref_seq", sa.Integer(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum(
                "request", "tasking", name="rfidirection", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column(
            "priority",
            sa.Enum(
                "routine",
                "priority",
                "urgent",
                name="rfipriority",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "tlp",
            sa.Enum(
                "TLP:RED",
                "TLP:AMBER+STRICT",
                "TLP:AMBER",
                "TLP:GREEN",
                "TLP:CLEAR",
                name="tlp",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "privacy_review",
                "accepted",
                "assigned",
                "answered",
                "closed",
                "returned",
                "rejected",
                name="rfistatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=True),
        sa.Column(
            "attested_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "submitted_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("privacy_flagged", sa.Boolean(), nullable=False),
        sa.Column("privacy_terms", sa.String(length=500), nullable=False),
        sa.Column(
            "privacy_reviewed_at",
            flo_portal.core.orm.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("privacy_reviewer_id", sa.Integer(), nullable=True),
        sa.Column("privacy_note", sa.Text(), nullable=False),
        sa.Column("return_note", sa.Text(), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column(
            "answered_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "closed_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("closure_comment", sa.Text(), nullable=False),
        sa.Column("criminal_intelligence", sa.Boolean(), nullable=False),
        sa.Column("review_due_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
            name=op.f("ck_rfi_satisfaction_range"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_rfi_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["user_account.id"],
            name=op.f("fk_rfi_answered_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user_account.id"],
            name=op.f("fk_rfi_assignee_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["privacy_reviewer_id"],
            ["user_account.id"],
            name=op.f("fk_rfi_privacy_reviewer_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["user_account.id"],
            name=op.f("fk_rfi_requester_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfi")),
        sa.UniqueConstraint("ref_year", "ref_seq", name="uq_rfi_ref_year_seq"),
        sa.UniqueConstraint("reference", name=op.f("uq_rfi_reference")),
    )
    with op.batch_alter_table("rfi", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rfi_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rfi_answered_at"), ["answered_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rfi_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rfi_direction"), ["direction"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rfi_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            "ix_rfi_priority_submitted", ["priority", "submitted_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rfi_privacy_flagged"), ["privacy_flagged"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rfi_requester_id"), ["requester_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rfi_review_due_on"), ["review_due_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rfi_status"), ["status"], unique=False)
        batch_op.create_index("ix_rfi_status_due", ["status", "due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_rfi_submitted_at"), ["submitted_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rfi_tlp"), ["tlp"], unique=False)

    op.create_table(
        "rfi_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfi_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_rfi_message_author_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["rfi_id"],
            ["rfi.id"],
            name=op.f("fk_rfi_message_rfi_id_rfi"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfi_message")),
    )
    with op.batch_alter_table("rfi_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rfi_message_rfi_id"), ["rfi_id"], unique=False
        )

    op.create_table(
        "rfi_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfi_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column(
            "responded_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["rfi_id"],
            ["rfi.id"],
            name=op.f("fk_rfi_recipient_rfi_id_rfi"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_rfi_recipient_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfi_recipient")),
        sa.UniqueConstraint("rfi_id", "user_id", name="uq_rfi_recipient_rfi_user"),
    )
    with op.batch_alter_table("rfi_recipient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rfi_recipient_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "rfi_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfi_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "submitted",
                "privacy_review",
                "accepted",
                "assigned",
                "answered",
                "closed",
                "returned",
                "rejected",
                name="rfistatus",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "submitted",
                "privacy_review",
                "accepted",
                "assigned",
                "answered",
                "closed",
                "returned",
                "rejected",
                name="rfistatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "changed_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["user_account.id"],
            name=op.f("fk_rfi_status_change_changed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["rfi_id"],
            ["rfi.id"],
            name=op.f("fk_rfi_status_change_rfi_id_rfi"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfi_status_change")),
    )
    with op.batch_alter_table("rfi_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rfi_status_change_rfi_id"), ["rfi_id"], unique=False
        )

    op.create_table(
        "rfi_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfi_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", flo_portal.core.orm.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["rfi_message.id"],
            name=op.f("fk_rfi_attachment_message_id_rfi_message"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rfi_id"],
            ["rfi.id"],
            name=op.f("fk_rfi_attachment_rfi_id_rfi"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_rfi_attachment_uploaded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfi_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_rfi_attachment_stored_name")),
    )
    with op.batch_alter_table("rfi_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rfi_attachment_rfi_id"), ["rfi_id"], unique=False
        )

    _create_search_index()


def downgrade():
    op.drop_index(SEARCH_INDEX, table_name="rfi")
    with op.batch_alter_table("rfi_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfi_attachment_rfi_id"))

    op.drop_table("rfi_attachment")
    with op.batch_alter_table("rfi_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfi_status_change_rfi_id"))

    op.drop_table("rfi_status_change")
    with op.batch_alter_table("rfi_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfi_recipient_user_id"))

    op.drop_table("rfi_recipient")
    with op.batch_alter_table("rfi_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfi_message_rfi_id"))

    op.drop_table("rfi_message")
    with op.batch_alter_table("rfi", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfi_tlp"))
        batch_op.drop_index(batch_op.f("ix_rfi_submitted_at"))
        batch_op.drop_index("ix_rfi_status_due")
        batch_op.drop_index(batch_op.f("ix_rfi_status"))
        batch_op.drop_index(batch_op.f("ix_rfi_review_due_on"))
        batch_op.drop_index(batch_op.f("ix_rfi_requester_id"))
        batch_op.drop_index(batch_op.f("ix_rfi_privacy_flagged"))
        batch_op.drop_index("ix_rfi_priority_submitted")
        batch_op.drop_index(batch_op.f("ix_rfi_due_on"))
        batch_op.drop_index(batch_op.f("ix_rfi_direction"))
        batch_op.drop_index(batch_op.f("ix_rfi_assignee_id"))
        batch_op.drop_index(batch_op.f("ix_rfi_answered_at"))
        batch_op.drop_index(batch_op.f("ix_rfi_agency_id"))

    op.drop_table("rfi")
    op.drop_table("rfi_counter")
