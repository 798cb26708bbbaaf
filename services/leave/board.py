"""The dashboard's officers page, leave side: who is away until when and who covers, the
tickets a lurah may assign (back), and the officers free to take them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from models import Leave, Staff
from services.core.context import Ctx
from services.leave.booking import active_leaves, covers_of
from services.leave.coverage import Cover
from services.people.directory import officers_in_scope
from services.people.leave_days import on_leave_ids
from services.tickets.reassign import Misplaced, tickets_to_assign


@dataclass(frozen=True)
class LeaveRow:
    leave: Leave
    covers: list[Cover]
    running: bool                  # on leave today


@dataclass
class LeaveBoard:
    leaves: dict[int, list[LeaveRow]] = field(default_factory=dict)   # by officer id
    away_today: list[LeaveRow] = field(default_factory=list)
    to_assign: list[Misplaced] = field(default_factory=list)
    available: list[Staff] = field(default_factory=list)               # may take a ticket


def leave_board(ctx: Ctx, supervisor: Staff) -> LeaveBoard:
    """Everything the officers page shows about leave, for the supervisor's region."""
    people = list(ctx.db.scalars(officers_in_scope(supervisor).order_by(Staff.name, Staff.id)))
    board = LeaveBoard()
    for staff_id, leaves in active_leaves(ctx, [p.id for p in people]).items():
        board.leaves[staff_id] = [LeaveRow(leave, covers_of(ctx, leave),
                                           leave.starts_on <= ctx.today) for leave in leaves]
    board.away_today = [row for rows in board.leaves.values() for row in rows if row.running]
    board.to_assign = tickets_to_assign(ctx, supervisor)
    away = on_leave_ids(ctx.db, [p.id for p in people], ctx.today)
    board.available = [p for p in people if p.active and p.id not in away]
    return board


def leave_in_scope(ctx: Ctx, supervisor: Staff, leave_id: int) -> Leave | None:
    """A leave of an officer in the supervisor's region, else None."""
    return ctx.db.scalar(select(Leave).where(
        Leave.id == leave_id, Leave.staff_id.in_(
            officers_in_scope(supervisor).with_only_columns(Staff.id))))
