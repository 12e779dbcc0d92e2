"""Settings of the exception desk (`desk:` in the YAML file): the teams' business calendars,
the escalation timer and where notifications go."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CalendarSettings(BaseModel):
    """One team's business hours: `desk.calendars.<team>`; `default` serves every team not
    named."""

    model_config = {"extra": "forbid"}

    time_zone: str = "UTC"
    """An IANA zone name (`Europe/Berlin`); the hours below are local to it."""
    hours: dict[str, list[str]] = Field(default_factory=lambda: {
        day: ["08:00-18:00"] for day in WEEKDAYS[:5]})
    """Weekday (`mon`..`sun`) -> spans `HH:MM-HH:MM`; a day not named has no business hours."""
    holidays: list[date] = Field(default_factory=list)


class NotificationSettings(BaseModel):
    """Where a case's assignment, escalation and breach are told (`desk.notifications`)."""

    model_config = {"extra": "forbid"}

    webhook_url: str = ""
    """Empty: no webhook. Each notification is POSTed here, signed (Standard Webhooks)."""
    webhook_secret: str = ""
    """`whsec_` + base64: the Standard Webhooks secret that signs each notification."""
    smtp_host: str = ""
    """Empty: no e-mail."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    mail_from: str = "shipshape@localhost"
    mail_to: dict[str, list[str]] = Field(default_factory=dict)
    """Team -> addresses; `default` serves every team not named."""
    timeout_s: float = Field(default=5.0, gt=0)


class DeskSettings(BaseModel):
    model_config = {"extra": "forbid"}

    calendars: dict[str, CalendarSettings] = Field(
        default_factory=lambda: {"default": CalendarSettings()})
    escalation_interval_s: float = Field(default=60.0, ge=0)
    """Seconds between the escalation sweeps of each worker (0: off)."""
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
