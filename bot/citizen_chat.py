"""Citizens: start a request, follow their tickets, answer officers, rate the service."""

from __future__ import annotations

from bot import request_flow
from bot.keywords import parse_command
from models import Citizen, Service
from services.channel.conversations import State, clear_state, load_state, save_state
from services.core.context import Turn
from services.people.directory import citizen_by_phone
from services.tickets.errors import TicketError
from services.tickets.lifecycle import (
    cancel_by_citizen,
    citizen_answered,
    citizen_tickets,
    get_ticket,
    rate,
    waiting_ticket,
)

MENU_WORDS = {"MENU", "BANTUAN", "HELP", "INFO", "HALO", "HAI", "HI"}
STAFF_WORDS = {"TERIMA", "TANYA", "SELESAI", "TOLAK", "ALIHKAN", "TUGAS", "REKAP", "MAAFKAN",
               "SKOR", "MASUK"}


def handle(turn: Turn) -> None:
    """Route a citizen's message: a flow in progress first, then keywords."""
    citizen = citizen_by_phone(turn.db, turn.sender, turn.now, turn.inbound.profile_name)
    command = parse_command(turn.inbound.body or "")
    state = load_state(turn.db, turn.sender, turn.now)
    if state is not None and state.flow == "rating" and _rating(turn, citizen, state, command):
        return
    if state is not None and state.flow == request_flow.FLOW:
        if command.keyword == "BATAL" and command.number is None:
            request_flow.abandon(turn)
        elif command.keyword in MENU_WORDS and not command.rest:
            request_flow.repeat_question(turn, state)
        else:
            request_flow.step(turn, citizen, state)
        return
    _keywords(turn, citizen, command)


def _keywords(turn: Turn, citizen: Citizen, command) -> None:
    if command.keyword in ("KTP", "KK") and not command.number:
        request_flow.start(turn, citizen, Service(command.keyword))
    elif command.keyword == "STATUS":
        turn.reply("citizen_status", tickets=citizen_tickets(turn, citizen))
    elif command.keyword == "BATAL":
        _cancel(turn, citizen, command.number)
    elif (ticket := waiting_ticket(turn, citizen)) is not None and (
            turn.inbound.body.strip() or turn.inbound.media):
        citizen_answered(turn, ticket, turn.inbound.body.strip(), turn.inbound.media)
        turn.reply("citizen_answer_forwarded", ticket=ticket, ticket_id=ticket.id)
    elif command.keyword in STAFF_WORDS and command.number is not None:
        turn.reply("citizen_staff_only")
    else:
        turn.reply("citizen_menu")


def _cancel(turn: Turn, citizen: Citizen, number: int | None) -> None:
    if number is None:
        turn.reply("citizen_cancel_which", tickets=citizen_tickets(turn, citizen))
        return
    try:
        ticket = get_ticket(turn, number)
        cancel_by_citizen(turn, citizen, ticket)
    except TicketError as error:
        turn.reply("ticket_error", error=error, number=number, keyword="BATAL")
        return
    turn.reply("citizen_cancelled", ticket=ticket, ticket_id=ticket.id)


def _rating(turn: Turn, citizen: Citizen, state: State, command) -> bool:
    """Take a 1–5 answer; ask once more on nonsense, then drop it. True if consumed."""
    text = (turn.inbound.body or "").strip().rstrip(".!")
    ticket_id = state.data.get("ticket")
    if text in {"1", "2", "3", "4", "5"}:
        try:
            rate(turn, citizen, get_ticket(turn, ticket_id), int(text))
        except TicketError:
            pass
        clear_state(turn.db, turn.sender)
        turn.reply("citizen_rated", stars=int(text), ticket_id=ticket_id)
        return True
    is_keyword = command.keyword in {"KTP", "KK", "STATUS", "BATAL"} | MENU_WORDS
    if state.data.get("tries", 0) == 0 and not is_keyword:
        state.data["tries"] = 1
        save_state(turn.db, turn.sender, state, turn.now)
        turn.reply("citizen_rating_again", ticket_id=ticket_id)
        return True
    clear_state(turn.db, turn.sender)
    return False
