"""A space talks to one application over its source; a source records who connected it.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("spaces") as batch:
        batch.add_column(sa.Column("application_id", sa.String(length=40), nullable=True))
        batch.create_index(op.f("ix_spaces_application_id"), ["application_id"])
        batch.create_foreign_key(
            op.f("fk_spaces_application_id_applications"),
            "applications",
            ["application_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("created_by", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("created_by")
    with op.batch_alter_table("spaces") as batch:
        batch.drop_constraint(op.f("fk_spaces_application_id_applications"), type_="foreignkey")
        batch.drop_index(op.f("ix_spaces_application_id"))
        batch.drop_column("application_id")
