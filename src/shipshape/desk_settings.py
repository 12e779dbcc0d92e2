"""Settings of the exception desk (`desk:` in the YAML file): the teams' business calendars,
the escalation timer and where notifications go."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, model_validator

from shipshape.domain.sla import week_of, zone_of

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

    @model_validator(mode="after")
    def _a_working_calendar(self) -> CalendarSettings:
        """The zone exists, the spans read `HH:MM-HH:MM` and some weekday has hours."""
        zone_of(self.time_zone)
        week_of(self.hours)
        return self


class MailServerSettings(BaseModel):
    """The mail server notifications go through and the retry policy of each one."""

    model_config = {"extra": "forbid"}

    smtp_host: str = ""
    """Empty: no e-mail."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    mail_from: str = "shipshape@localhost"
    timeout_s: float = Field(default=5.0, gt=0)
    """Per webhook call (each phase) and per SMTP connection."""
    max_attempts: int = Field(default=4, ge=1, le=20)
    """Attempts of one notification before it becomes a dead letter (a refusal: at once)."""
    first_delay_s: float = Field(default=0.5, ge=0)
    """Wait before the second attempt, doubled each time up to `max_delay_s`."""
    max_delay_s: float = Field(default=10.0, ge=0)
    jitter_s: float = Field(default=0.2, ge=0)


class NotificationSettings(MailServerSettings):
    """Where a case's assignment, escalation and breach are told (`desk.notifications`)."""

    webhook_url: str = ""
    """Empty: no webhook. Each notification is POSTed here, signed (Standard Webhooks)."""
    webhook_secret: str = ""
    """`whsec_` + base64: the Standard Webhooks secret that signs each notification."""
    mail_to: dict[str, list[str]] = Field(default_factory=dict)
    """Team -> addresses; `default` serves every team not named."""

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> NotificationSettings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("desk.notifications.webhook_url needs a webhook_secret "
                             "(whsec_ + base64) to sign the notifications with")
        if self.webhook_url and not self.webhook_url.startswith(("http://", "https://")):
            raise ValueError("desk.notifications.webhook_url must be an http:// or https:// URL")
        return self


class DeskSettings(BaseModel):
    model_config = {"extra": "forbid"}

    calendars: dict[str, CalendarSettings] = Field(
        default_factory=lambda: {"default": CalendarSettings()})
    escalation_interval_s: float = Field(default=60.0, ge=0)
    """Seconds between the escalation sweeps of each worker (0: off)."""
    at_risk_share: float = Field(default=0.75, gt=0, le=1)
    """Share of its SLA budget a case has used when it is `at_risk` (and escalated once)."""
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
