"""SQLAlchemy models, one module per entity, re-exported here."""

from models.base import Base, UTCDateTime
from models.breach import Breach
from models.citizen import Citizen
from models.conversation import Conversation
from models.delivery_failure import DeliveryFailure, FailureOutcome
from models.digest_sent import DigestSent
from models.early_status import EarlyStatus
from models.lease import SchedulerLease
from models.leave import Leave
from models.ledger import LedgerEntry
from models.login_token import LoginToken
from models.media import Media, MediaRole, MediaStatus
from models.message import Direction, InStatus, Lane, Message, OutStatus
from models.month_close import MonthClose
from models.officer_month import OfficerMonth
from models.region import RW, Kecamatan, Kelurahan
from models.staff import Role, Staff
from models.staff_event import StaffEvent
from models.ticket import (
    CLOSED_BY_OFFICER,
    FINAL_STATUSES,
    OPEN_STATUSES,
    RUNNING_STATUSES,
    Service,
    Ticket,
    TicketStatus,
)
from models.ticket_event import TicketEvent

__all__ = [
    "Base", "UTCDateTime", "Breach", "Citizen", "Conversation", "DeliveryFailure",
    "FailureOutcome", "LedgerEntry", "Direction",
    "InStatus", "Lane", "EarlyStatus", "Media", "MediaRole", "MediaStatus", "Message",
    "OutStatus", "DigestSent",
    "LoginToken", "MonthClose", "OfficerMonth", "SchedulerLease", "Leave", "StaffEvent", "RW",
    "Kecamatan", "Kelurahan", "Role", "Staff",
    "CLOSED_BY_OFFICER", "FINAL_STATUSES", "OPEN_STATUSES", "RUNNING_STATUSES", "Service",
    "Ticket", "TicketStatus", "TicketEvent",
]
