"""inbox: inbound messages stored `queued` by the webhook, run by workers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:00:00

The webhook only stores a message (`queued`); workers claim each sender's oldest queued
message with the columns the outbox already has (attempts, next_attempt_at, claimed_by,
claimed_until). Two partial indexes hold only the queued inbound rows: in arrival order
(a claim reads the first few) and by sender (is an earlier message of theirs still waiting?),
so a claim never reads the whole history, nor the whole backlog.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

INBOX = sa.text("direction = 'in' AND status = 'queued'")


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_inbox', ['phone', 'id'], unique=False,
                              sqlite_where=INBOX, postgresql_where=INBOX)
        batch_op.create_index('ix_message_inbox_order', ['id'], unique=False,
                              sqlite_where=INBOX, postgresql_where=INBOX)


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_inbox_order', sqlite_where=INBOX,
                            postgresql_where=INBOX)
        batch_op.drop_index('ix_message_inbox', sqlite_where=INBOX, postgresql_where=INBOX)
    op.execute("UPDATE message SET status = 'received' WHERE direction = 'in' "
               "AND status = 'queued'")
