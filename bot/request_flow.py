"""The KTP / KK request a citizen composes step by step (SPEC §3).

Steps: [confirm_rw] → rw [→ choose] → nik → [kk] → description → summary (photos, YA).
State lives in the database (services.channel.conversations); every text is a template.
"""

from __future__ import annotations

from models import RW, Citizen, Service
from services.channel.conversations import State, clear_state, save_state
from services.core.context import Turn
from services.people.identity import validate_kk, validate_nik
from services.regions.places import find_rw, nearest_rw, rw_by_id, rw_in
from services.tickets.errors import TicketError
from services.tickets.lifecycle import Draft, open_ticket

FLOW = "request"
YES = {"YA", "Y", "IYA", "YES", "OK", "BENAR", "SETUJU"}
DESCRIPTION_MAX = 500


def _save(turn: Turn, state: State, step: str) -> None:
    state.step = step
    save_state(turn.db, turn.sender, state, turn.now)


def start(turn: Turn, citizen: Citizen, service: Service) -> None:
    """`KTP` / `KK`: begin; a returning citizen is offered their last RW."""
    state = State(FLOW, "", {"service": service.value, "media": []})
    if citizen.last_rw is not None:
        state.data["last_rw"] = citizen.last_rw_id
        _save(turn, state, "confirm_rw")
        turn.reply("request_confirm_rw", service=service.value, rw=citizen.last_rw)
        return
    _save(turn, state, "rw")
    turn.reply("request_ask_rw", service=service.value)


def _rw_chosen(turn: Turn, state: State, place: RW, how: str = "typed",
               km: float | None = None) -> None:
    state.data["rw_id"] = place.id
    state.data.pop("choices", None)
    _save(turn, state, "nik")
    turn.reply("request_ask_nik", rw=place, how=how, km=km)


def _ask_choice(turn: Turn, state: State, choices, rw_number: int | None) -> None:
    state.data["choices"] = [c.id for c in choices]
    state.data["rw_number"] = rw_number
    _save(turn, state, "choose")
    turn.reply("request_choose_kelurahan", choices=choices, rw_number=rw_number)


def _step_rw(turn: Turn, state: State, text: str) -> None:
    msg = turn.inbound
    if msg.latitude is not None and msg.longitude is not None:
        found = nearest_rw(turn.db, msg.latitude, msg.longitude)
        if found is None:
            turn.reply("request_location_far")
            return
        _rw_chosen(turn, state, found[0], how="location", km=found[1])
        return
    answer = find_rw(turn.db, text)
    if answer.rw is not None:
        _rw_chosen(turn, state, answer.rw)
    elif answer.choices:
        _ask_choice(turn, state, answer.choices, answer.rw_number)
    else:
        turn.reply("request_rw_problem", answer=answer)


def _step_choose(turn: Turn, state: State, text: str) -> None:
    choices = state.data.get("choices") or []
    picked = text.strip().rstrip(".")
    if picked.isdigit() and 1 <= int(picked) <= len(choices):
        number = state.data.get("rw_number")
        if number is None:
            turn.reply("request_rw_problem", answer=find_rw(turn.db, text))
            return
        answer = rw_in(turn.db, choices[int(picked) - 1], number)
        if answer.rw is not None:
            _rw_chosen(turn, state, answer.rw)
        else:
            state.step = "rw"
            _save(turn, state, "rw")
            turn.reply("request_rw_problem", answer=answer)
        return
    _step_rw(turn, state, text)  # they typed a place again instead of a number


def _step_confirm_rw(turn: Turn, state: State, text: str) -> None:
    if text.strip().upper() in YES:
        last_rw = state.data.get("last_rw")
        place = rw_by_id(turn.db, last_rw) if last_rw is not None else None
        if place is not None:
            _rw_chosen(turn, state, place)
            return
    _step_rw(turn, state, text)


def _step_nik(turn: Turn, state: State, text: str) -> None:
    check = validate_nik(text, turn.today)
    if not check.ok:
        turn.reply("request_nik_invalid", reason=str(check.reason))
        return
    state.data["nik"] = check.nik
    if state.data["service"] == Service.KK.value:
        _save(turn, state, "kk")
        turn.reply("request_ask_kk")
    else:
        _save(turn, state, "description")
        turn.reply("request_ask_description", service=state.data["service"])


def _step_kk(turn: Turn, state: State, text: str) -> None:
    check = validate_kk(text, turn.today)
    if not check.ok:
        turn.reply("request_kk_invalid", reason=str(check.reason))
        return
    state.data["kk"], state.data["kk_new"] = check.kk, check.new
    _save(turn, state, "description")
    turn.reply("request_ask_description", service=state.data["service"])


def _summary(turn: Turn, state: State) -> None:
    place = rw_by_id(turn.db, state.data["rw_id"])
    turn.reply("request_summary", data=state.data, rw=place)


def _step_description(turn: Turn, state: State, text: str) -> None:
    text = " ".join(text.split())
    state.data["media"] = state.data.get("media", []) + turn.inbound.media
    if len(text) < 3:
        _save(turn, state, "description")
        turn.reply("request_description_short", photos=len(state.data["media"]))
        return
    state.data["description"] = text[:DESCRIPTION_MAX]
    _save(turn, state, "summary")
    _summary(turn, state)


def _submit(turn: Turn, citizen: Citizen, state: State) -> None:
    data = state.data
    draft = Draft(service=Service(data["service"]), rw_id=data["rw_id"], nik=data["nik"],
                  description=data["description"], kk_number=data.get("kk"),
                  kk_new=bool(data.get("kk_new")), media=data.get("media", []))
    try:
        ticket = open_ticket(turn, citizen, draft)
    except TicketError:
        _save(turn, state, "rw")
        turn.reply("request_ask_rw", service=data["service"])
        return
    clear_state(turn.db, turn.sender)
    turn.reply("request_submitted", ticket_id=ticket.id, ticket=ticket)


def _step_summary(turn: Turn, citizen: Citizen, state: State, text: str) -> None:
    if turn.inbound.media:
        state.data["media"] = state.data.get("media", []) + turn.inbound.media
        _save(turn, state, "summary")
        turn.reply("request_photo_received", count=len(state.data["media"]))
        return
    answer = text.strip().upper()
    if answer in YES:
        _submit(turn, citizen, state)
    elif answer in {"TIDAK", "NO", "N"}:
        abandon(turn)
    else:
        _summary(turn, state)


STEPS = {"rw": _step_rw, "choose": _step_choose, "confirm_rw": _step_confirm_rw,
         "nik": _step_nik, "kk": _step_kk, "description": _step_description}


def step(turn: Turn, citizen: Citizen, state: State) -> None:
    """Answer the next message of a request being composed."""
    text = turn.inbound.body or ""
    if state.step == "summary":
        _step_summary(turn, citizen, state, text)
        return
    handler = STEPS.get(state.step)
    if handler is None:  # a state from an older version: start over safely
        abandon(turn)
        return
    handler(turn, state, text)


def repeat_question(turn: Turn, state: State) -> None:
    """Say where the citizen is in the request (after MENU/BANTUAN mid-flow)."""
    turn.reply("request_in_progress", state=state)


def abandon(turn: Turn) -> None:
    """`BATAL` while composing: drop the draft."""
    clear_state(turn.db, turn.sender)
    turn.reply("request_abandoned")
