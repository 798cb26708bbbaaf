"""Setting and ending an officer's leave: checked, logged as staff events, told to all.

The officer sets their own leave in chat (`CUTI`); a supervisor sets or ends it for an
officer in their region, in chat or on the dashboard. Whoever did it gets the door's
answer; the officer, whoever covers their RWs and the lurah are told the rest. A leave set
after its first working minute takes effect at once (`start_if_due`, after the answer); a
later one is started by the sweep.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from models import Leave, Role, Staff
from services.core.context import Ctx
from services.leave.coverage import Cover, coverage, kelurahan_served, leaves_from, not_void
from services.people.directory import supervisors_for
from services.people.leave_days import first_working_minute
from services.people.lookup import officer_in_scope
from services.people.staff_log import record_staff_event
from services.tickets.leave_start import begin_leave

MAX_DAYS = 30
REASON_MAX = 200


class LeaveError(Exception):
    """A refused leave request; `code` picks the wording (templates/messages/leave_error)."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code, self.details = code, details


def check_dates(starts_on: date, ends_on: date, today: date) -> None:
    """Refuse a start in the past, an end before the start, more than MAX_DAYS days."""
    if starts_on < today:
        raise LeaveError("past_start", starts_on=starts_on, today=today)
    if ends_on < starts_on:
        raise LeaveError("end_before_start", starts_on=starts_on, ends_on=ends_on)
    days = (ends_on - starts_on).days + 1
    if days > MAX_DAYS:
        raise LeaveError("too_long", days=days, limit=MAX_DAYS)


def check_may_set(ctx: Ctx, officer: Staff, by: Staff) -> None:
    """Officers set their own leave; a supervisor only for an officer in their region."""
    if officer.role is Role.SUPERVISOR:
        raise LeaveError("not_officer", name=officer.name)
    if by.id == officer.id:
        return
    if by.role is not Role.SUPERVISOR or officer_in_scope(ctx.db, by, officer.id) is None:
        raise LeaveError("out_of_scope")


def overlapping(ctx: Ctx, officer: Staff, starts_on: date, ends_on: date) -> Leave | None:
    """A leave of this officer that shares a day with `starts_on`..`ends_on`."""
    return ctx.db.scalar(select(Leave).where(
        Leave.staff_id == officer.id, not_void(), Leave.starts_on <= ends_on,
        Leave.ends_on >= starts_on,
        or_(Leave.cancelled_from.is_(None), Leave.cancelled_from > starts_on))
        .order_by(Leave.starts_on).limit(1))


def set_leave(ctx: Ctx, officer: Staff, starts_on: date, ends_on: date, reason: str,
              *, by: Staff, source: str) -> Leave:
    """Record a leave and tell everyone concerned (then `start_if_due`: its tickets)."""
    check_may_set(ctx, officer, by)
    check_dates(starts_on, ends_on, ctx.today)
    clash = overlapping(ctx, officer, starts_on, ends_on)
    if clash is not None:
        raise LeaveError("overlap", leave=clash)
    leave = Leave(staff=officer, starts_on=starts_on, ends_on=ends_on,
                  reason=" ".join(reason.split())[:REASON_MAX] or None, source=source,
                  set_by=by, created_at=ctx.now,
                  takes_effect_at=first_working_minute(ctx.calendar, starts_on, ends_on))
    ctx.db.add(leave)
    ctx.db.flush()
    record_staff_event(ctx.db, ctx.now, officer, "leave_set", actor=by, leave=leave.id,
                       starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(),
                       reason=leave.reason, source=source)
    _announce(ctx, leave, by, "leave_set")
    return leave


def start_if_due(ctx: Ctx, leave: Leave) -> bool:
    """Hand the officer's open tickets over now if the leave's first working minute has
    come (a door calls it after its answer; else the next sweep does it)."""
    if leave.applied_at is None and leave.cancelled_at is None \
            and leave.takes_effect_at is not None and leave.takes_effect_at <= ctx.now:
        begin_leave(ctx, leave)
        return True
    return False


def leave_to_end(ctx: Ctx, officer: Staff) -> Leave | None:
    """The officer's leave running today, else their next one."""
    found = leaves_from(ctx.db, [officer.id], ctx.today)
    return found[0] if found else None


def end_leave(ctx: Ctx, leave: Leave, *, by: Staff, source: str) -> Leave:
    """`CUTI BATAL`: the officer is back from today (or never left); tickets already handed
    over stay with whoever holds them until the lurah assigns them again."""
    check_may_set(ctx, leave.staff, by)
    if leave.cancelled_at is not None or leave.last_day < ctx.today:
        raise LeaveError("no_leave")
    leave.cancelled_at, leave.cancelled_by = ctx.now, by
    leave.cancelled_from = max(ctx.today, leave.starts_on)
    record_staff_event(ctx.db, ctx.now, leave.staff, "leave_ended", actor=by, leave=leave.id,
                       back_on=leave.cancelled_from.isoformat(), source=source,
                       was_applied=leave.applied_at is not None)
    _announce(ctx, leave, by, "leave_ended")
    return leave


def covers_of(ctx: Ctx, leave: Leave) -> list[Cover]:
    """Who covers the officer's RWs during this leave (as of its first day still to come)."""
    return coverage(ctx.db, leave.staff, max(leave.starts_on, ctx.today))


def _announce(ctx: Ctx, leave: Leave, by: Staff, template: str) -> None:
    """Tell the officer (unless they did it), each covering backup and the lurah."""
    officer = leave.staff
    covers = covers_of(ctx, leave)
    told = {by.id}
    audience = [(officer, "officer")]
    audience += [(c.by, "backup") for c in covers if c.by is not None]
    for kelurahan in kelurahan_served(ctx.db, officer):
        audience += [(s, "supervisor") for s in supervisors_for(ctx.db, kelurahan)]
    for person, role in audience:
        if person.id in told:
            continue
        told.add(person.id)
        ctx.notify(person.phone, template, leave=leave, by=by, covers=covers,
                   audience=role, mine=[c for c in covers if c.by is person])


def active_leaves(ctx: Ctx, staff_ids: list[int]) -> dict[int, list[Leave]]:
    """{staff id: leaves running today or to come}, for the dashboard and `CUTI`."""
    found: dict[int, list[Leave]] = {}
    for leave in leaves_from(ctx.db, staff_ids, ctx.today):
        found.setdefault(leave.staff_id, []).append(leave)
    return found

