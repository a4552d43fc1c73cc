"""Channels can be disabled; knowledge sources keep their sync lease and the passages of
their last sync; rows have a name and their own sync state.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("knowledge_sources") as batch:
        batch.add_column(sa.Column("channel_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("passages", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("sync_owner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("sync_lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("sync_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_foreign_key(
            op.f("fk_knowledge_sources_channel_id_channels"),
            "channels",
            ["channel_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_knowledge_sources_channel_id"), ["channel_id"])
    with op.batch_alter_table("knowledge_rows") as batch:
        batch.add_column(
            sa.Column("name", sa.String(length=255), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="not_synced")
        )
        batch.add_column(sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("knowledge_rows") as batch:
        batch.drop_column("last_synced_at")
        batch.drop_column("status")
        batch.drop_column("name")
    with op.batch_alter_table("knowledge_sources") as batch:
        batch.drop_index(op.f("ix_knowledge_sources_channel_id"))
        batch.drop_constraint(op.f("fk_knowledge_sources_channel_id_channels"), type_="foreignkey")
        batch.drop_column("sync_attempts")
        batch.drop_column("sync_lease_until")
        batch.drop_column("sync_owner")
        batch.drop_column("passages")
        batch.drop_column("channel_id")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("disabled_at")
