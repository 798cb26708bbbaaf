"""leave as data: staff_leave with its history, the staff_event audit log, staff.nip

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-25 09:00:00

Leave was one column, `staff.on_leave_until`, overwritten by whoever set it. Each leave is
now a row (who set it, when, why, whether it was ended early) and every change to it an
append-only `staff_event`. An existing `on_leave_until` becomes a leave row from the day the
staff row was last updated (or the leave's end, if earlier) to that date; a leave still
running is left "not yet applied", so the next SLA sweep hands the officer's open tickets to
the backup as the new rule says. The roster's optional `nip` column gets its place.
Downgrading writes the last day of each person's latest leave back into `on_leave_until`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

from models.base import UTCDateTime

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None

PENDING = "applied_at IS NULL AND cancelled_at IS NULL AND takes_effect_at IS NOT NULL"
JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')

staff = sa.table('staff', sa.column('id', sa.Integer), sa.column('updated_at', UTCDateTime()),
                 sa.column('on_leave_until', sa.Date))
staff_leave = sa.table(
    'staff_leave', sa.column('id', sa.Integer), sa.column('staff_id', sa.Integer),
    sa.column('starts_on', sa.Date), sa.column('ends_on', sa.Date),
    sa.column('source', sa.String), sa.column('created_at', UTCDateTime()),
    sa.column('takes_effect_at', UTCDateTime()), sa.column('applied_at', UTCDateTime()),
    sa.column('cancelled_from', sa.Date))
staff_event = sa.table('staff_event', sa.column('staff_id', sa.Integer),
                       sa.column('at', UTCDateTime()), sa.column('kind', sa.String),
                       sa.column('actor_kind', sa.String), sa.column('details', JSON))


def upgrade() -> None:
    _create_tables()
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nip', sa.String(length=18), nullable=True))
        batch_op.create_index(batch_op.f('ix_staff_nip'), ['nip'], unique=True)
    _leave_rows_from_column(op.get_bind())
    # SQLite drops the column in place (3.35+): the tables pointing at staff stay untouched.
    with op.batch_alter_table('staff', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('on_leave_until')
    _append_only_trigger()


def downgrade() -> None:
    _drop_append_only_trigger()
    with op.batch_alter_table('staff', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('on_leave_until', sa.Date(), nullable=True))
    _column_from_leave_rows(op.get_bind())
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_nip'))
    with op.batch_alter_table('staff', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('nip')
    with op.batch_alter_table('staff_event', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_event_staff')
    op.drop_table('staff_event')
    with op.batch_alter_table('staff_leave', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_leave_pending', sqlite_where=sa.text(PENDING),
                            postgresql_where=sa.text(PENDING))
        batch_op.drop_index('ix_staff_leave_staff')
    op.drop_table('staff_leave')


def _create_tables() -> None:
    op.create_table('staff_leave',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('takes_effect_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_from', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['staff.id'], name=op.f('fk_staff_leave_cancelled_by_id_staff')),
    sa.ForeignKeyConstraint(['set_by_id'], ['staff.id'], name=op.f('fk_staff_leave_set_by_id_staff')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_leave_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_leave'))
    )
    with op.batch_alter_table('staff_leave', schema=None) as batch_op:
        batch_op.create_index('ix_staff_leave_pending', ['takes_effect_at'], unique=False, sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))
        batch_op.create_index('ix_staff_leave_staff', ['staff_id', 'starts_on'], unique=False)
    op.create_table('staff_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('details', JSON, nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff.id'], name=op.f('fk_staff_event_actor_id_staff')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_event_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_event'))
    )
    with op.batch_alter_table('staff_event', schema=None) as batch_op:
        batch_op.create_index('ix_staff_event_staff', ['staff_id', 'id'], unique=False)


def _calendar():
    """The app's working calendar (passed by `services.schema.upgrade`, else loaded)."""
    settings = context.config.attributes.get('settings')
    if settings is None:
        from services.core.settings import load_settings
        settings = load_settings()
    return settings.calendar()


def _leave_rows_from_column(conn) -> None:
    """One leave row (and its audit event) per `on_leave_until` that is set."""
    rows = conn.execute(sa.select(staff.c.id, staff.c.updated_at, staff.c.on_leave_until)
                        .where(staff.c.on_leave_until.is_not(None))).all()
    if not rows:
        return
    from services.people.leave_days import first_working_minute

    calendar, now = _calendar(), datetime.now(UTC)
    today = now.astimezone(calendar.tz).date()
    for staff_id, updated_at, until in rows:
        starts_on = min(updated_at.astimezone(calendar.tz).date(), until)
        takes_effect = first_working_minute(calendar, starts_on, until)
        # A leave that is over needs nothing more; a running one is handed over by the sweep.
        applied = updated_at if until < today or takes_effect is None else None
        conn.execute(staff_leave.insert().values(
            staff_id=staff_id, starts_on=starts_on, ends_on=until, source='roster',
            created_at=updated_at, takes_effect_at=takes_effect, applied_at=applied))
        conn.execute(staff_event.insert().values(
            staff_id=staff_id, at=now, kind='leave_set', actor_kind='system',
            details={'starts_on': starts_on.isoformat(), 'ends_on': until.isoformat(),
                     'source': 'roster', 'migrated': True}))


def _column_from_leave_rows(conn) -> None:
    """`on_leave_until` = the last day of each person's latest leave that still counts."""
    latest: dict[int, date] = {}
    for staff_id, starts_on, ends_on, cancelled_from in conn.execute(
            sa.select(staff_leave.c.staff_id, staff_leave.c.starts_on, staff_leave.c.ends_on,
                      staff_leave.c.cancelled_from)):
        last = ends_on if cancelled_from is None else min(
            ends_on, date.fromordinal(cancelled_from.toordinal() - 1))
        if last >= starts_on:      # a leave ended before it began leaves no trace
            latest[staff_id] = max(latest.get(staff_id, last), last)
    for staff_id, until in latest.items():
        conn.execute(staff.update().where(staff.c.id == staff_id).values(on_leave_until=until))


def _append_only_trigger() -> None:
    """The audit log refuses UPDATE and DELETE, as `ticket_event` does (0001)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER staff_event_append_only BEFORE UPDATE OR DELETE ON "
                   "staff_event FOR EACH ROW EXECUTE FUNCTION refuse_change()")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER staff_event_no_{action.lower()} BEFORE {action} ON "
                   f"staff_event BEGIN SELECT RAISE(ABORT, 'append-only table staff_event: "
                   f"{action} refused'); END")


def _drop_append_only_trigger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS staff_event_append_only ON staff_event")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS staff_event_no_{action}")
