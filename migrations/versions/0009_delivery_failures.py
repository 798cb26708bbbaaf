"""delivery failures: a ticket whose officer cannot be reached goes to the backup

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 15:30:00

A message to an officer about a ticket that fails for good (a permanent error on send, a
`failed`/`undelivered` status callback) hands the ticket to the RW's backup. Each such
message gets one `delivery_failure` row when it is handled, so a repeated callback moves
nothing twice and the SLA sweep can catch up failures a crash left unhandled; a partial
index on `message` finds the failed rows without reading the whole table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FAILED = sa.text("direction = 'out' AND status IN ('failed', 'undelivered')")


def upgrade() -> None:
    op.create_table('delivery_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('to_officer_id', sa.Integer(), nullable=True),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'],
                            name=op.f('fk_delivery_failure_message_id_message')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                            name=op.f('fk_delivery_failure_ticket_id_ticket')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff.id'],
                            name=op.f('fk_delivery_failure_officer_id_staff')),
    sa.ForeignKeyConstraint(['to_officer_id'], ['staff.id'],
                            name=op.f('fk_delivery_failure_to_officer_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_failure')),
    sa.UniqueConstraint('message_id', name=op.f('uq_delivery_failure_message_id'))
    )
    with op.batch_alter_table('delivery_failure', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_failure_ticket', ['ticket_id'], unique=False)
        batch_op.create_index('ix_delivery_failure_recorded', ['recorded_at'], unique=False)
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_failed', ['status_at'], unique=False,
                              sqlite_where=FAILED, postgresql_where=FAILED)


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_failed', sqlite_where=FAILED, postgresql_where=FAILED)
    op.drop_table('delivery_failure')
