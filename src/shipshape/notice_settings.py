"""Settings of customer communication (`notices:` in the YAML file): whether customers are told
of their orders, and the mail server their e-mails go through (webhooks go to each customer's
own URL, set with its contact)."""

from __future__ import annotations

from shipshape.desk_settings import MailServerSettings


class NoticeSettings(MailServerSettings):
    """`smtp_host` empty: no e-mail; notices to e-mail contacts are recorded as skipped."""

    enabled: bool = False
    """Run the `customer-notices` consumer: each customer with a contact is told of its orders
    (acknowledged, held, shipped...)."""
