"""product_version_audience: the audience each version was released under

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 12:55:00

Backfill: each existing version gets its product's CURRENT audience limited by the
version's own TLP — exactly what the policy used before this table existed, so upgrading
changes nobody's access. (product_recipient rows would freeze the people reached on the
day, but the rule is group-based — an FLO who joins a listed agency later is in the
audience — and shares are logged there too, so they are not the audience.)
"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _rows(audience, tlp: str) -> list[tuple[str, str]]:
    """flo_portal.products.policies.effective_audience + audience_rows, frozen here."""
    if isinstance(audience, str):
        audience = json.loads(audience or "{}")
    aud = audience or {}
    user_rows = [("user", str(int(i))) for i in aud.get("user_ids") or []]
    agency_rows = [("agency", str(int(i))) for i in aud.get("agency_ids") or []]
    if tlp == "TLP:RED":
        return user_rows
    if tlp == "TLP:AMBER+STRICT":
        return agency_rows + user_rows
    rows = [("all", "")] if aud.get("all_flos") else []
    rows += agency_rows
    rows += [("discipline", str(d)) for d in aud.get("disciplines") or []]
    rows += [("region", str(r)) for r in aud.get("regions") or []]
    return rows + user_rows


def upgrade():
    table = op.create_table(
        "product_version_audience",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["product_version.id"],
            name=op.f("fk_product_version_audience_version_id_product_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_version_audience")),
    )
    with op.batch_alter_table("product_version_audience", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_version_audience_match", ["kind", "value", "version_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_version_audience_version_id"), ["version_id"], unique=False
        )

    bind = op.get_bind()
    found = bind.execute(
        sa.text(
            "SELECT v.id, v.tlp, p.audience FROM product_version v "
            "JOIN product p ON p.id = v.product_id ORDER BY v.id"
        )
    ).all()
    rows = [
        {"version_id": vid, "kind": kind, "value": value}
        for vid, tlp, audience in found
        for kind, value in _rows(audience, tlp)
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    with op.batch_alter_table("product_version_audience", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_version_audience_version_id"))
        batch_op.drop_index("ix_product_version_audience_match")
    op.drop_table("product_version_audience")
