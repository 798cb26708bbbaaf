"""Officers and supervisors work in chat: commands, quote-replies, refusals that explain."""

from __future__ import annotations

from sqlalchemy import select

from bot import daily_chat, leave_chat
from bot.keywords import Command, parse_command
from models import Direction, Message, Role, Staff, Ticket
from services.auth import LINK_TTL, issue_login_link
from services.core.context import Turn
from services.ledger.month import (
    FIRST_MONTH,
    LAST_MONTH,
    MonthError,
    month_of_instant,
    parse_month,
)
from services.regions.places import find_rw
from services.reports.digest import send_digest_now
from services.reports.monthly import report_for_scope
from services.tickets.breaches import BreachError, excuse_and_notify
from services.tickets.errors import TicketError
from services.tickets.lifecycle import (
    acknowledge,
    ask_citizen,
    ensure_own_open,
    get_ticket,
    officer_tasks,
    reject,
    relay_to_citizen,
    resolve,
    transfer,
)

OFFICER_WORDS = {"TERIMA", "TANYA", "SELESAI", "TOLAK", "ALIHKAN", "TUGAS"}
SUPERVISOR_WORDS = {"REKAP", "MAAFKAN", "SKOR", "MASUK"}
SCORE_ROWS = 25


def quoted_ticket(turn: Turn) -> int | None:
    """The ticket of the bot message this one quote-replies to, if any."""
    replied = turn.inbound.replied_sid
    if not replied:
        return None
    return turn.db.scalar(select(Message.ticket_id).where(
        Message.sid == replied, Message.direction == Direction.OUT.value,
        Message.phone == turn.sender))


def handle(turn: Turn, staff: Staff) -> None:
    """Route a staff member's message by role."""
    if leave_chat.take_choice(turn, staff):
        return
    command = parse_command(turn.inbound.body or "")
    try:
        if staff.role is Role.SUPERVISOR:
            _supervisor(turn, staff, command)
        else:
            _officer(turn, staff, command)
    except (TicketError, BreachError) as error:
        turn.reply("ticket_error", error=error, number=error.ticket_id, keyword=command.keyword)


def _ticket_for(turn: Turn, command: Command, quoted: int | None) -> Ticket:
    number = command.number or quoted
    if number is None:
        raise TicketError("number_missing", keyword=command.keyword)
    return get_ticket(turn, number)


def _officer(turn: Turn, officer: Staff, command: Command) -> None:
    quoted = quoted_ticket(turn)
    word = command.keyword
    if word == "TUGAS":
        turn.reply("officer_tasks", tickets=officer_tasks(turn, officer))
    elif word in OFFICER_WORDS:
        _officer_action(turn, officer, command, _ticket_for(turn, command, quoted))
    elif word == "CUTI":
        leave_chat.for_officer(turn, officer)
    elif word == "LAPORAN":
        daily_chat.for_officer(turn, officer)
    elif word in SUPERVISOR_WORDS and word != "SKOR":
        turn.reply("staff_supervisor_only")
    elif word == "SKOR":
        _score(turn, officer, command)
    elif quoted is not None and (turn.inbound.body.strip() or turn.inbound.media):
        ticket = get_ticket(turn, quoted)
        relay_to_citizen(turn, officer, ticket, turn.inbound.body.strip(), turn.inbound.media)
        turn.reply("officer_relayed", ticket=ticket, ticket_id=ticket.id)
    else:
        turn.reply("officer_help", officer=officer)


def _officer_action(turn: Turn, officer: Staff, command: Command, ticket: Ticket) -> None:
    word, rest = command.keyword, command.rest
    ensure_own_open(officer, ticket)  # before anything else is said about the ticket
    if word == "TERIMA":
        acknowledge(turn, officer, ticket)
    elif word == "TANYA":
        if not rest:
            raise TicketError("question_required", ticket.id)
        ask_citizen(turn, officer, ticket, rest)
    elif word == "SELESAI":
        resolve(turn, officer, ticket, rest, turn.inbound.media)
    elif word == "TOLAK":
        reject(turn, officer, ticket, rest)
    elif word == "ALIHKAN":
        answer = find_rw(turn.db, rest)
        if answer.rw is None:
            turn.reply("officer_transfer_where", answer=answer, ticket=ticket, ticket_id=ticket.id)
            return
        transfer(turn, officer, ticket, answer.rw)
    turn.reply("officer_done", action=word, ticket=ticket, ticket_id=ticket.id)


def _supervisor(turn: Turn, supervisor: Staff, command: Command) -> None:
    word = command.keyword
    if word == "MAAFKAN":
        ticket = _ticket_for(turn, command, quoted_ticket(turn))
        breach = excuse_and_notify(turn, supervisor, ticket, command.rest)
        turn.reply("supervisor_excused", ticket=ticket, breach=breach, ticket_id=ticket.id)
    elif word == "REKAP":
        send_digest_now(turn, supervisor, in_reply_to_id=turn.inbound.id)
    elif word == "SKOR":
        _score(turn, supervisor, command)
    elif word == "CUTI":
        leave_chat.for_supervisor(turn, supervisor)
    elif word == "LAPORAN":
        daily_chat.for_supervisor(turn, supervisor)
    elif word == "MASUK":
        turn.reply("supervisor_login_link", url=issue_login_link(turn, supervisor),
                   minutes=int(LINK_TTL.total_seconds() // 60))
    elif word in OFFICER_WORDS:
        turn.reply("staff_officer_only")
    else:
        turn.reply("supervisor_help", supervisor=supervisor)


def _score(turn: Turn, staff: Staff, command: Command) -> None:
    """`SKOR [YYYY-MM]`: a supervisor sees their region, an officer their own figures."""
    try:
        month = parse_month(command.rest) if command.rest else month_of_instant(
            turn.now, turn.settings.zone)
    except MonthError:
        turn.reply("score_bad_month", first=FIRST_MONTH, last=LAST_MONTH)
        return
    report = report_for_scope(turn.rt, turn.db, month, staff)
    shown = sorted(report.officers, key=lambda o: (o.iki, o.name))[:SCORE_ROWS]
    regions = [r for r in report.kelurahan if r.iko is not None][:SCORE_ROWS]
    turn.reply("score", report=report, shown=shown, regions=regions,
               staff=staff, supervisor=staff.role is Role.SUPERVISOR)
