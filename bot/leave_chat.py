"""`CUTI` in chat: an officer's own leave; a supervisor's for an officer in their region.

An ambiguous officer name gets a numbered choice (as kelurahan names do for citizens); the
pending choice lives in the conversation state until the next message.
"""

from __future__ import annotations

from datetime import date

from bot.dates import take_date
from models import Staff
from services.channel.conversations import State, clear_state, load_state, save_state
from services.core.context import Turn
from services.leave.booking import (
    LeaveError,
    active_leaves,
    covers_of,
    end_leave,
    leave_to_end,
    set_leave,
    start_if_due,
)
from services.people.directory import officers_in_scope
from services.people.lookup import find_officers, officer_in_scope

FLOW = "staff_choice"
CANCEL = "BATAL"


def _args(turn: Turn) -> list[str]:
    return (turn.inbound.body or "").split()[1:]


def _dates(words: list[str], at: int, today: date, supervisor: bool) -> tuple[date, date, str]:
    first = take_date(words, at, today)
    second = take_date(words, first[1], today) if first else None
    if first is None or second is None:
        raise LeaveError("bad_dates", supervisor=supervisor)
    return first[0], second[0], " ".join(words[second[1]:])


def for_officer(turn: Turn, officer: Staff) -> None:
    """`CUTI` shows, `CUTI BATAL` ends, `CUTI <dari> <sampai> [alasan]` sets."""
    words = _args(turn)
    try:
        if not words:
            _show_own(turn, officer)
        elif words[0].upper() == CANCEL:
            _end(turn, officer, officer)
        else:
            starts, ends, reason = _dates(words, 0, turn.today, supervisor=False)
            _set(turn, officer, officer, starts, ends, reason)
    except LeaveError as error:
        turn.reply("leave_error", error=error)


def for_supervisor(turn: Turn, supervisor: Staff) -> None:
    """`CUTI` lists, `CUTI BATAL <petugas>` ends, `CUTI <petugas> <dari> <sampai> [alasan]`."""
    words = _args(turn)
    try:
        if not words:
            _list(turn, supervisor)
        elif words[0].upper() == CANCEL:
            _pick(turn, supervisor, " ".join(words[1:]), {"action": "end"})
        else:
            at = next((i for i in range(len(words)) if take_date(words, i, turn.today)), None)
            if at == 0:
                raise LeaveError("officer_missing")
            if at is None:
                raise LeaveError("bad_dates", supervisor=True)
            starts, ends, reason = _dates(words, at, turn.today, supervisor=True)
            _pick(turn, supervisor, " ".join(words[:at]), {
                "action": "set", "starts": starts.isoformat(), "ends": ends.isoformat(),
                "reason": reason})
    except LeaveError as error:
        turn.reply("leave_error", error=error)


def _pick(turn: Turn, supervisor: Staff, query: str, intent: dict) -> None:
    """Act on the one officer `query` names, or ask which one."""
    if not query.strip():
        raise LeaveError("officer_missing")
    found = find_officers(turn.db, supervisor, query)
    if not found:
        raise LeaveError("officer_unknown", query=query)
    if len(found) == 1:
        _act(turn, supervisor, found[0], intent)
        return
    save_state(turn.db, turn.sender, State(FLOW, "officer", {
        **intent, "choices": [p.id for p in found]}), turn.now)
    turn.reply("leave_choose_officer", query=query, choices=found)


def take_choice(turn: Turn, staff: Staff) -> bool:
    """Answer a pending numbered choice; False when this message is something else."""
    state = load_state(turn.db, turn.sender, turn.now)
    if state is None or state.flow != FLOW:
        return False
    clear_state(turn.db, turn.sender)
    picked, choices = (turn.inbound.body or "").strip().rstrip("."), state.data["choices"]
    if not (picked.isdigit() and 1 <= int(picked) <= len(choices)):
        return False              # a new command instead of a number: the choice lapses
    officer = officer_in_scope(turn.db, staff, choices[int(picked) - 1])
    try:
        if officer is None:
            raise LeaveError("out_of_scope")
        _act(turn, staff, officer, state.data)
    except LeaveError as error:
        turn.reply("leave_error", error=error)
    return True


def _act(turn: Turn, supervisor: Staff, officer: Staff, intent: dict) -> None:
    if intent["action"] == "end":
        _end(turn, officer, supervisor)
    else:
        _set(turn, officer, supervisor, date.fromisoformat(intent["starts"]),
             date.fromisoformat(intent["ends"]), intent.get("reason") or "")


def _set(turn: Turn, officer: Staff, by: Staff, starts: date, ends: date, reason: str) -> None:
    leave = set_leave(turn, officer, starts, ends, reason, by=by, source="chat")
    turn.reply("leave_set", leave=leave, by=by, covers=covers_of(turn, leave),
               audience="officer" if by.id == officer.id else "supervisor", mine=[])
    start_if_due(turn, leave)


def _end(turn: Turn, officer: Staff, by: Staff) -> None:
    leave = leave_to_end(turn, officer)
    if leave is None:
        raise LeaveError("no_leave")
    end_leave(turn, leave, by=by, source="chat")
    turn.reply("leave_ended", leave=leave, by=by,
               audience="officer" if by.id == officer.id else "supervisor", mine=[])


def _show_own(turn: Turn, officer: Staff) -> None:
    leaves = active_leaves(turn, [officer.id]).get(officer.id, [])
    turn.reply("leave_status", leaves=leaves, today=turn.today,
               covers=covers_of(turn, leaves[0]) if leaves else [])


def _list(turn: Turn, supervisor: Staff) -> None:
    ids = list(turn.db.scalars(officers_in_scope(supervisor).with_only_columns(Staff.id)))
    rows = sorted((leave for found in active_leaves(turn, ids).values() for leave in found),
                  key=lambda leave: (leave.starts_on, leave.staff.name))
    turn.reply("leave_list", rows=rows, supervisor=supervisor, today=turn.today)
