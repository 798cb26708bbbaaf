"""report tallies: late minutes stored at the close, per-officer monthly counts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00

The monthly report used to group every ticket and ledger entry of the month by officer and
recompute the lateness of every breached ticket in Python. Closed tickets now keep their
late working minutes (`ticket.late_minutes`), the month's breached tickets are found
through a partial index, and `officer_month` holds the per-officer figures the report
needs, kept by the services at each close, rating, breach, excusal and ledger entry.
Existing rows are backfilled here with the app's calendar (`services.schema.upgrade`
passes the settings; without them the environment's are loaded).
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import context, op

from models.base import UTCDateTime

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

COUNTS = ('closed', 'on_time', 'rated', 'rating_sum', 'breaches', 'excused')
FIGURES = (*COUNTS, 'percent')
BATCH = 2000

ticket = sa.table(
    'ticket', sa.column('id', sa.Integer), sa.column('status', sa.String),
    sa.column('officer_id', sa.Integer), sa.column('deadline_at', UTCDateTime()),
    sa.column('closed_at', UTCDateTime()), sa.column('breached_at', UTCDateTime()),
    sa.column('rating', sa.Integer), sa.column('late_minutes', sa.Float))
breach = sa.table('breach', sa.column('officer_id', sa.Integer),
                  sa.column('deadline_at', UTCDateTime()), sa.column('excused_at', UTCDateTime()))
ledger_entry = sa.table('ledger_entry', sa.column('officer_id', sa.Integer),
                        sa.column('month', sa.String), sa.column('percent', sa.Numeric(7, 2)))
officer_month = sa.table('officer_month', sa.column('month', sa.String),
                         sa.column('officer_id', sa.Integer),
                         *(sa.column(c, sa.Integer) for c in COUNTS),
                         sa.column('percent', sa.Numeric(9, 2)))


def upgrade() -> None:
    op.create_table('officer_month',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    *(sa.Column(c, sa.Integer(), nullable=False) for c in COUNTS),
    sa.Column('percent', sa.Numeric(precision=9, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['staff.id'], name=op.f('fk_officer_month_officer_id_staff')),
    sa.PrimaryKeyConstraint('month', 'officer_id', name=op.f('pk_officer_month'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_minutes', sa.Float(), nullable=True))
        batch_op.create_index('ix_ticket_breached', ['breached_at', 'late_minutes'], unique=False, sqlite_where=sa.text('breached_at IS NOT NULL'), postgresql_where=sa.text('breached_at IS NOT NULL'), postgresql_include=['id', 'service', 'rw_id', 'deadline_at', 'closed_at'])
    conn = op.get_bind()
    if (conn.execute(sa.select(ticket.c.id).where(ticket.c.closed_at.is_not(None)).limit(1)).first()
            or conn.execute(sa.select(breach.c.officer_id).limit(1)).first()
            or conn.execute(sa.select(ledger_entry.c.officer_id).limit(1)).first()):
        settings = _settings()
        _backfill_late_minutes(conn, settings.calendar())
        _backfill_tallies(conn, settings.zone)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_breached', sqlite_where=sa.text('breached_at IS NOT NULL'), postgresql_where=sa.text('breached_at IS NOT NULL'))
    # SQLite drops the column in place (3.35+): no table rebuild, the other indexes stay.
    with op.batch_alter_table('ticket', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('late_minutes')
    op.drop_table('officer_month')


def _settings():
    """The settings the app runs with (passed by `services.schema.upgrade`, else loaded)."""
    settings = context.config.attributes.get('settings')
    if settings is None:
        from services.core.settings import load_settings
        settings = load_settings()
    return settings


def _backfill_late_minutes(conn, calendar) -> None:
    """What `_close` now stores: working minutes from the deadline to the close."""
    closed = ticket.c.closed_at.is_not(None)
    conn.execute(ticket.update().where(closed, sa.or_(ticket.c.deadline_at.is_(None),
                                                      ticket.c.closed_at <= ticket.c.deadline_at))
                 .values(late_minutes=0.0))
    late = conn.execute(sa.select(ticket.c.id, ticket.c.deadline_at, ticket.c.closed_at)
                        .where(closed, ticket.c.closed_at > ticket.c.deadline_at)).all()
    update = (ticket.update().where(ticket.c.id == sa.bindparam('ticket_id'))
              .values(late_minutes=sa.bindparam('late')))
    for i in range(0, len(late), BATCH):
        conn.execute(update, [
            {'ticket_id': ticket_id, 'late': calendar.working_time_between(
                deadline_at, closed_at).total_seconds() / 60}
            for ticket_id, deadline_at, closed_at in late[i:i + BATCH]])


def _backfill_tallies(conn, zone) -> None:
    """The figures the report used to group from the ticket, breach and ledger rows."""
    tallies: dict[tuple[str, int], list] = defaultdict(lambda: [0] * len(FIGURES))
    closes = conn.execute(
        sa.select(ticket.c.officer_id, ticket.c.closed_at, ticket.c.breached_at, ticket.c.rating)
        .where(ticket.c.closed_at.is_not(None), ticket.c.officer_id.is_not(None),
               ticket.c.status.in_(('resolved', 'rejected'))),
        execution_options={'yield_per': BATCH})
    for officer_id, closed_at, breached_at, rating in closes:
        counts = tallies[(closed_at.astimezone(zone).strftime('%Y-%m'), officer_id)]
        counts[0] += 1
        counts[1] += breached_at is None
        counts[2] += rating is not None
        counts[3] += rating or 0
    breaches = conn.execute(
        sa.select(breach.c.officer_id, breach.c.deadline_at, breach.c.excused_at)
        .where(breach.c.officer_id.is_not(None)), execution_options={'yield_per': BATCH})
    for officer_id, deadline_at, excused_at in breaches:
        counts = tallies[(deadline_at.astimezone(zone).strftime('%Y-%m'), officer_id)]
        counts[4] += 1
        counts[5] += excused_at is not None
    for officer_id, month, percent in conn.execute(
            sa.select(ledger_entry.c.officer_id, ledger_entry.c.month,
                      sa.func.sum(ledger_entry.c.percent))
            .group_by(ledger_entry.c.officer_id, ledger_entry.c.month)):
        tallies[(month, officer_id)][6] = percent
    rows = [{'month': month, 'officer_id': officer_id, **dict(zip(FIGURES, counts, strict=True))}
            for (month, officer_id), counts in sorted(tallies.items())]
    for i in range(0, len(rows), BATCH):
        conn.execute(officer_month.insert(), rows[i:i + BATCH])
