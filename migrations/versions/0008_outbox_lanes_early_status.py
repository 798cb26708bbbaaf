"""outbox lanes, early status callbacks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 15:30:00

Each outbound message gets a lane: `reply` (an answer to the recipient's own message) or
`notice` (what the service says on its own). Each lane goes out in order, and one never
waits behind the other, so the outbox index that finds each queue's head now keys on
(phone, lane, id). Only the rows still to be sent (and held photos) are given their lane:
it steers the sender, and sent history has no use for it.

`early_status` keeps a Twilio status callback that arrived before the send's answer told
us its SID; it is applied once the SID is written.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

UNSENT = sa.text("direction = 'out' AND status IN ('pending', 'sending')")


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lane', sa.String(length=8), nullable=True))
    op.execute("UPDATE message SET lane = CASE WHEN in_reply_to_id IS NULL THEN 'notice' "
               "ELSE 'reply' END WHERE direction = 'out' "
               "AND status IN ('pending', 'sending', 'held')")
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_outbox_phone', sqlite_where=UNSENT,
                            postgresql_where=UNSENT)
        batch_op.create_index('ix_message_outbox_lane', ['phone', 'lane', 'id'], unique=False,
                              sqlite_where=UNSENT, postgresql_where=UNSENT)
    op.create_table('early_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_early_status'))
    )
    with op.batch_alter_table('early_status', schema=None) as batch_op:
        batch_op.create_index('ix_early_status_sid', ['sid'], unique=False)
        batch_op.create_index('ix_early_status_received', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_table('early_status')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_outbox_lane', sqlite_where=UNSENT,
                            postgresql_where=UNSENT)
        batch_op.create_index('ix_message_outbox_phone', ['phone', 'id'], unique=False,
                              sqlite_where=UNSENT, postgresql_where=UNSENT)
        batch_op.drop_column('lane')
