"""The local WhatsApp simulator's use cases: play any number, through the real inbound path.

A simulated message becomes the same `Inbound` Twilio's webhook builds, is stored the same
way and is run at once through the inbox workers' own path (`receive_inbound`) with the
conversation handler, so every flow behaves exactly as on WhatsApp. Replies are the
ordinary outbound rows the outbox sender delivers (with the console transport they are
only logged and stored).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from models import RW, Citizen, Kelurahan, Message, Role, Staff
from services.channel.inbound import Inbound, Outcome
from services.channel.inbox import receive_inbound
from services.core.context import Handler
from services.core.runtime import Runtime
from services.core.texts import scope_label
from services.media.catalogue import media_ids, media_links
from services.people.phones import normalize_phone

HISTORY = 150


@dataclass(frozen=True)
class Person:
    """Someone the simulator can play."""

    phone: str
    name: str
    role: str          # officer, backup, supervisor or citizen
    where: str         # scope or RWs served


@dataclass(frozen=True)
class Balai:
    """A balai RW with coordinates, for sending a WhatsApp location."""

    label: str
    latitude: float
    longitude: float


def _staff_where(person: Staff, served: dict[int, list[str]]) -> str:
    if person.role is Role.SUPERVISOR:
        return scope_label(person)
    return ", ".join(served.get(person.id, [])) or "-"


def simulator_people(rt: Runtime) -> list[Person]:
    """The roster (supervisors, officers, backups) and citizens who have written before."""
    with rt.sessions() as db:
        served: dict[int, list[str]] = {}
        for rw in db.scalars(select(RW).join(Kelurahan).order_by(Kelurahan.name, RW.number)):
            for person_id in (rw.officer_id, rw.backup_id):
                if person_id is not None:
                    served.setdefault(person_id, []).append(rw.label)
        order = {Role.SUPERVISOR: 0, Role.OFFICER: 1, Role.BACKUP: 2}
        staff = sorted(db.scalars(select(Staff).where(Staff.active.is_(True))),
                       key=lambda s: (order[s.role], s.name))
        people = [Person(s.phone, s.name, s.role.value, _staff_where(s, served)) for s in staff]
        citizens = db.scalars(select(Citizen).order_by(Citizen.id.desc()).limit(20))
        people += [Person(c.phone, c.profile_name or "Warga", "citizen", "") for c in citizens]
        return people


def balai_places(rt: Runtime) -> list[Balai]:
    """Balai RW with known coordinates."""
    with rt.sessions() as db:
        rows = db.scalars(select(RW).join(Kelurahan).where(RW.latitude.is_not(None),
                                                           RW.longitude.is_not(None))
                          .order_by(Kelurahan.name, RW.number))
        return [Balai(rw.label, rw.latitude, rw.longitude) for rw in rows]


def simulate_inbound(rt: Runtime, handler: Handler, phone: str, body: str, *,
                     media: list[dict[str, Any]] | None = None, latitude: float | None = None,
                     longitude: float | None = None, replied_sid: str | None = None,
                     profile_name: str | None = None) -> Outcome:
    """Receive a message as if WhatsApp delivered it (raises PhoneError on a bad number);
    `media` are items of files already given to the store (`accept_upload`)."""
    message = Inbound(sid="SMsim" + uuid.uuid4().hex, phone=normalize_phone(phone),
                      body=body, media=list(media or []), latitude=latitude,
                      longitude=longitude, replied_sid=replied_sid or None,
                      profile_name=(profile_name or "")[:120] or None)
    return receive_inbound(rt, message, handler)


def _as_dict(row: Message, quoted: dict[str, str], zone,
             media: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {"id": row.id, "direction": row.direction, "body": row.body or "",
            "media": [media[i] for i in media_ids(row.media or []) if i in media],
            "status": row.status,
            "sid": row.sid, "kind": row.kind,
            "location": ([row.latitude, row.longitude]
                         if row.latitude is not None and row.longitude is not None else None),
            "quoted": quoted.get(row.replied_sid or "", ""),
            "at": row.created_at.astimezone(zone).strftime("%H.%M")}


def conversation(rt: Runtime, phone: str, limit: int = HISTORY) -> list[dict[str, Any]]:
    """The number's last messages both ways, oldest first, as plain dicts for JSON."""
    e164 = normalize_phone(phone)
    with rt.sessions() as db:
        rows = list(db.scalars(select(Message).where(Message.phone == e164)
                               .order_by(Message.id.desc()).limit(limit)))[::-1]
        sids = {r.replied_sid for r in rows if r.replied_sid}
        quoted = {sid: (body or "")[:80] for sid, body in db.execute(
            select(Message.sid, Message.body).where(Message.sid.in_(sids)))} if sids else {}
        media = media_links(db, rt.settings, [i for r in rows for i in media_ids(r.media or [])],
                            rt.now())
        return [_as_dict(r, quoted, rt.settings.zone, media) for r in rows]

