"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:38:01.279360
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

APPEND_ONLY = ('ticket_event', 'ledger_entry')

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('conversation',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('flow', sa.String(length=32), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_conversation'))
    )
    op.create_table('kecamatan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kecamatan')),
    sa.UniqueConstraint('code', name=op.f('uq_kecamatan_code')),
    sa.UniqueConstraint('name', name=op.f('uq_kecamatan_name'))
    )
    op.create_table('month_close',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('report', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_month_close'))
    )
    op.create_table('scheduler_lease',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=80), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_lease'))
    )
    op.create_table('kelurahan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kecamatan_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['kecamatan_id'], ['kecamatan.id'], name=op.f('fk_kelurahan_kecamatan_id_kecamatan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kelurahan')),
    sa.UniqueConstraint('code', name=op.f('uq_kelurahan_code')),
    sa.UniqueConstraint('kecamatan_id', 'name', name=op.f('uq_kelurahan_kecamatan_id'))
    )
    with op.batch_alter_table('kelurahan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kelurahan_name'), ['name'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('role', sa.Enum('officer', 'backup', 'supervisor', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('tpp_base', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('on_leave_until', sa.Date(), nullable=True),
    sa.Column('scope_kecamatan_id', sa.Integer(), nullable=True),
    sa.Column('scope_kelurahan_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['scope_kecamatan_id'], ['kecamatan.id'], name=op.f('fk_staff_scope_kecamatan_id_kecamatan')),
    sa.ForeignKeyConstraint(['scope_kelurahan_id'], ['kelurahan.id'], name=op.f('fk_staff_scope_kelurahan_id_kelurahan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('phone', name=op.f('uq_staff_phone'))
    )
    op.create_table('digest_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('digest_date', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('parts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['supervisor_id'], ['staff.id'], name=op.f('fk_digest_sent_supervisor_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_sent')),
    sa.UniqueConstraint('supervisor_id', 'digest_date', name=op.f('uq_digest_sent_supervisor_id'))
    )
    op.create_table('login_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_login_token_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_token_token_hash'))
    )
    op.create_table('rw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kelurahan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('backup_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['backup_id'], ['staff.id'], name=op.f('fk_rw_backup_id_staff')),
    sa.ForeignKeyConstraint(['kelurahan_id'], ['kelurahan.id'], name=op.f('fk_rw_kelurahan_id_kelurahan')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff.id'], name=op.f('fk_rw_officer_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rw')),
    sa.UniqueConstraint('kelurahan_id', 'number', name=op.f('uq_rw_kelurahan_id'))
    )
    with op.batch_alter_table('rw', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rw_backup_id'), ['backup_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rw_officer_id'), ['officer_id'], unique=False)

    op.create_table('citizen',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('profile_name', sa.String(length=120), nullable=True),
    sa.Column('last_rw_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['last_rw_id'], ['rw.id'], name=op.f('fk_citizen_last_rw_id_rw')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citizen')),
    sa.UniqueConstraint('phone', name=op.f('uq_citizen_phone'))
    )
    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service', sa.Enum('KTP', 'KK', name='service', native_enum=False, length=8), nullable=False),
    sa.Column('status', sa.Enum('new', 'in_progress', 'waiting_citizen', 'resolved', 'rejected', 'cancelled', name='ticketstatus', native_enum=False, length=20), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('rw_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('nik', sa.String(length=16), nullable=True),
    sa.Column('kk_number', sa.String(length=16), nullable=True),
    sa.Column('kk_new', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('media', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('close_note', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('personal_data_purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_ticket_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff.id'], name=op.f('fk_ticket_officer_id_staff')),
    sa.ForeignKeyConstraint(['rw_id'], ['rw.id'], name=op.f('fk_ticket_rw_id_rw')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index('ix_ticket_closed_at', ['closed_at'], unique=False)
        batch_op.create_index('ix_ticket_due', ['deadline_at'], unique=False, sqlite_where=sa.text("status IN ('new', 'in_progress') AND breached_at IS NULL"), postgresql_where=sa.text("status IN ('new', 'in_progress') AND breached_at IS NULL"))
        batch_op.create_index('ix_ticket_late_open', ['breached_at'], unique=False, sqlite_where=sa.text("status IN ('new', 'in_progress', 'waiting_citizen') AND breached_at IS NOT NULL"), postgresql_where=sa.text("status IN ('new', 'in_progress', 'waiting_citizen') AND breached_at IS NOT NULL"))
        batch_op.create_index('ix_ticket_officer_status', ['officer_id', 'status'], unique=False)
        batch_op.create_index('ix_ticket_remind', ['reminder_at'], unique=False, sqlite_where=sa.text("status IN ('new', 'in_progress') AND reminder_sent_at IS NULL"), postgresql_where=sa.text("status IN ('new', 'in_progress') AND reminder_sent_at IS NULL"))
        batch_op.create_index('ix_ticket_rw_submitted', ['rw_id', 'submitted_at'], unique=False)
        batch_op.create_index('ix_ticket_submitted_at', ['submitted_at'], unique=False)

    op.create_table('breach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('excused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('excused_by_id', sa.Integer(), nullable=True),
    sa.Column('excuse_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['excused_by_id'], ['staff.id'], name=op.f('fk_breach_excused_by_id_staff')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff.id'], name=op.f('fk_breach_officer_id_staff')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_breach_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breach')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_breach_ticket_id'))
    )
    with op.batch_alter_table('breach', schema=None) as batch_op:
        batch_op.create_index('ix_breach_deadline', ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_breach_officer_id'), ['officer_id'], unique=False)

    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('percent', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['staff.id'], name=op.f('fk_ledger_entry_actor_id_staff')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff.id'], name=op.f('fk_ledger_entry_officer_id_staff')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ledger_entry_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry')),
    sa.UniqueConstraint('ticket_id', 'key', name=op.f('uq_ledger_entry_ticket_id'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entry_month_officer', ['month', 'officer_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('media', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('replied_sid', sa.String(length=64), nullable=True),
    sa.Column('profile_name', sa.String(length=120), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('content_sid', sa.String(length=64), nullable=True),
    sa.Column('content_variables', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('in_reply_to_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['in_reply_to_id'], ['message.id'], name=op.f('fk_message_in_reply_to_id_message')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_message_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message')),
    sa.UniqueConstraint('sid', name=op.f('uq_message_sid'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_in_reply_to', ['in_reply_to_id'], unique=False)
        batch_op.create_index('ix_message_outbox', ['next_attempt_at', 'id'], unique=False, sqlite_where=sa.text("direction = 'out' AND status IN ('pending', 'sending')"), postgresql_where=sa.text("direction = 'out' AND status IN ('pending', 'sending')"))
        batch_op.create_index('ix_message_outbox_phone', ['phone', 'id'], unique=False, sqlite_where=sa.text("direction = 'out' AND status IN ('pending', 'sending')"), postgresql_where=sa.text("direction = 'out' AND status IN ('pending', 'sending')"))
        batch_op.create_index('ix_message_phone_time', ['phone', 'direction', 'created_at'], unique=False)
        batch_op.create_index('ix_message_ticket', ['ticket_id'], unique=False)

    op.create_table('ticket_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff.id'], name=op.f('fk_ticket_event_actor_id_staff')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff.id'], name=op.f('fk_ticket_event_officer_id_staff')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_event_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_event'))
    )
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_event_ticket', ['ticket_id', 'id'], unique=False)
    _append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()

    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_event_ticket')

    op.drop_table('ticket_event')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_ticket')
        batch_op.drop_index('ix_message_phone_time')
        batch_op.drop_index('ix_message_outbox_phone')
        batch_op.drop_index('ix_message_outbox', sqlite_where=sa.text("direction = 'out' AND status IN ('pending', 'sending')"), postgresql_where=sa.text("direction = 'out' AND status IN ('pending', 'sending')"))
        batch_op.drop_index('ix_message_in_reply_to')

    op.drop_table('message')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entry_month_officer')

    op.drop_table('ledger_entry')
    with op.batch_alter_table('breach', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_breach_officer_id'))
        batch_op.drop_index('ix_breach_deadline')

    op.drop_table('breach')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_submitted_at')
        batch_op.drop_index('ix_ticket_rw_submitted')
        batch_op.drop_index('ix_ticket_remind', sqlite_where=sa.text("status IN ('new', 'in_progress') AND reminder_sent_at IS NULL"), postgresql_where=sa.text("status IN ('new', 'in_progress') AND reminder_sent_at IS NULL"))
        batch_op.drop_index('ix_ticket_officer_status')
        batch_op.drop_index('ix_ticket_late_open', sqlite_where=sa.text("status IN ('new', 'in_progress', 'waiting_citizen') AND breached_at IS NOT NULL"), postgresql_where=sa.text("status IN ('new', 'in_progress', 'waiting_citizen') AND breached_at IS NOT NULL"))
        batch_op.drop_index('ix_ticket_due', sqlite_where=sa.text("status IN ('new', 'in_progress') AND breached_at IS NULL"), postgresql_where=sa.text("status IN ('new', 'in_progress') AND breached_at IS NULL"))
        batch_op.drop_index('ix_ticket_closed_at')
        batch_op.drop_index(batch_op.f('ix_ticket_citizen_id'))

    op.drop_table('ticket')
    op.drop_table('citizen')
    with op.batch_alter_table('rw', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rw_officer_id'))
        batch_op.drop_index(batch_op.f('ix_rw_backup_id'))

    op.drop_table('rw')
    op.drop_table('login_token')
    op.drop_table('digest_sent')
    op.drop_table('staff')
    with op.batch_alter_table('kelurahan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kelurahan_name'))

    op.drop_table('kelurahan')
    op.drop_table('scheduler_lease')
    op.drop_table('month_close')
    op.drop_table('kecamatan')
    op.drop_table('conversation')


def _append_only_triggers() -> None:
    """The audit tables refuse UPDATE and DELETE in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP;
            END $$ LANGUAGE plpgsql""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION refuse_change()")
        return
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {action} refused'); END")


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS refuse_change()")
        return
    for table in APPEND_ONLY:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
