"""leaderboards

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('board_score',
    sa.Column('board', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_board_score_member_id_member')),
    sa.PrimaryKeyConstraint('board', 'member_id', name=op.f('pk_board_score'))
    )
    with op.batch_alter_table('board_score', schema=None) as batch_op:
        batch_op.create_index('ix_board_score_board_points', ['board', 'points'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('board_score', schema=None) as batch_op:
        batch_op.drop_index('ix_board_score_board_points')

    op.drop_table('board_score')
