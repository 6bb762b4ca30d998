"""Models of every kind of live session, split by subdomain (one module each)."""

from .classes import Attendance, ClassSeries, PartyClass, Reminder
from .room import BannedWord, Comment, ModerationAction, Mute, PresenceInterval
from .sales import Campaign, Product, SalesResult, SalesSession, Studio, StudioBooking
from .sessions import LiveSession, SessionAudience

__all__ = [
    "Attendance",
    "BannedWord",
    "Campaign",
    "ClassSeries",
    "Comment",
    "LiveSession",
    "ModerationAction",
    "Mute",
    "PartyClass",
    "PresenceInterval",
    "Product",
    "Reminder",
    "SalesResult",
    "SalesSession",
    "SessionAudience",
    "Studio",
    "StudioBooking",
]
