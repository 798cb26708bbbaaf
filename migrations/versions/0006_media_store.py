"""media store: a row per inbound photo or document, held outbound photos

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:00:00

Each media item of an inbound message gets a `media` row: downloaded from Twilio into
MEDIA_DIR (named by its hash), refused, or failed, then deleted at Twilio. A photo sent on
to staff waits in the outbox as a `held` message until its file is stored; a partial index
finds those few rows without reading the message table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DUE = sa.text('next_attempt_at IS NOT NULL')
HELD = sa.text("status = 'held'")


def upgrade() -> None:
    op.create_table('media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('source_url', sa.Text(), nullable=True),
    sa.Column('declared_type', sa.String(length=100), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('twilio_deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_media_message_id_message')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_media_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media'))
    )
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.create_index('ix_media_due', ['next_attempt_at'], unique=False,
                              sqlite_where=DUE, postgresql_where=DUE)
        batch_op.create_index('ix_media_message', ['message_id'], unique=False)
        batch_op.create_index('ix_media_ticket', ['ticket_id'], unique=False)
        batch_op.create_index('ix_media_sha256', ['sha256'], unique=False)
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_held', ['id'], unique=False,
                              sqlite_where=HELD, postgresql_where=HELD)


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_held', sqlite_where=HELD, postgresql_where=HELD)
    op.execute("UPDATE message SET status = 'dropped' WHERE status = 'held'")
    op.drop_table('media')
