"""Sources get a small per-organisation number (the Ana face's ``connectorId``), and an
assistant message keeps the blocks a streaming face last sent for it.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch.create_unique_constraint(
            "uq_sources_organization_number", ["organization_id", "number"]
        )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("blocks", sa.JSON(), nullable=True))
    # Existing sources are numbered 1, 2, ... per organisation in the order they were added.
    sources = sa.table(
        "sources",
        sa.column("id", sa.String()),
        sa.column("organization_id", sa.String()),
        sa.column("created_at", sa.DateTime()),
        sa.column("number", sa.Integer()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(sources.c.id, sources.c.organization_id).order_by(
            sources.c.organization_id, sources.c.created_at, sources.c.id
        )
    ).all()
    counters: dict[str, int] = {}
    for source_id, organization_id in rows:
        counters[organization_id] = counters.get(organization_id, 0) + 1
        connection.execute(
            sources.update()
            .where(sources.c.id == source_id)
            .values(number=counters[organization_id])
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("blocks")
    with op.batch_alter_table("sources") as batch:
        batch.drop_constraint("uq_sources_organization_number", type_="unique")
        batch.drop_column("number")
