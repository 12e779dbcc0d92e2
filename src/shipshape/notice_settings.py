"""Settings of customer communication (`notices:` in the YAML file): whether customers are told
of their orders, and the mail server their e-mails go through (webhooks go to each customer's
own URL, set with its contact)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class NoticeSettings(BaseModel):
    model_config = {"extra": "forbid"}

    enabled: bool = False
    """Run the `customer-notices` consumer: each customer with a contact is told of its orders
    (acknowledged, held, shipped...)."""
    smtp_host: str = ""
    """Empty: no e-mail; notices to e-mail contacts are recorded as skipped."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    mail_from: str = "shipshape@localhost"
    timeout_s: float = Field(default=5.0, gt=0)
    """Per webhook call (each phase) and per SMTP connection."""
    max_attempts: int = Field(default=4, ge=1, le=20)
    """Attempts of one notice before it becomes a dead letter (a refusal: at once)."""
    first_delay_s: float = Field(default=0.5, ge=0)
    max_delay_s: float = Field(default=10.0, ge=0)
    jitter_s: float = Field(default=0.2, ge=0)
