"""Taught questions: a question saved per application with its reading or SQL.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "taught_questions",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("organization_id", sa.String(40), nullable=False),
        sa.Column("application_id", sa.String(40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("semantic_query", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("sql", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_taught_questions_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name="fk_taught_questions_application_id_applications",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_taught_questions"),
    )
    op.create_index("ix_taught_questions_organization_id", "taught_questions", ["organization_id"])
    op.create_index("ix_taught_questions_application_id", "taught_questions", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_taught_questions_application_id", table_name="taught_questions")
    op.drop_index("ix_taught_questions_organization_id", table_name="taught_questions")
    op.drop_table("taught_questions")
