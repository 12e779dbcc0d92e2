"""Customer notices carried out: rendered from Jinja2 templates (plain text and HTML, in the
customer's language, English when there is none in it), mailed over SMTP, or POSTed signed to
each customer's own webhook; every send behind the retry policy of `retrying`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from jinja2 import (
    ChainableUndefined,
    Environment,
    FileSystemLoader,
    Template,
    TemplateNotFound,
)

from shipshape.adapters.notify.profile import SmtpProfile
from shipshape.adapters.notify.retrying import RetryingMailSender, RetryingWebhookSender
from shipshape.adapters.notify.smtp import SmtpMailer
from shipshape.adapters.notify.webhook import WebhookNotifier
from shipshape.adapters.systems.retrying import policy_of
from shipshape.domain.communication import DEFAULT_LANGUAGE
from shipshape.services.customer_notices import MAIL_SYSTEM, WEBHOOK_SYSTEM
from shipshape.services.ports.connectors import ConnectorRejected, RetryPolicy
from shipshape.services.ports.metrics import Metrics
from shipshape.services.ports.notices import RenderedNotice
from shipshape.services.ports.notifications import MailSender, WebhookNotice

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "notices"
"""`<language>/<kind>.txt` (its first line `Subject: ...`, then a blank line) and `.html`."""
SUBJECT = "Subject:"


class JinjaNoticeRenderer:
    """The packaged templates (or those of `folder`); HTML is autoescaped, text is not."""

    def __init__(self, folder: Path = TEMPLATES) -> None:
        loader = FileSystemLoader(str(folder))
        self._text = Environment(loader=loader, autoescape=False, undefined=ChainableUndefined,
                                 keep_trailing_newline=True)
        self._html = Environment(loader=loader, autoescape=True, undefined=ChainableUndefined)

    def render(self, kind: str, language: str, context: Mapping[str, object]
               ) -> RenderedNotice:
        text = self._pick(self._text, kind, language, "txt").render(context)
        html = self._pick(self._html, kind, language, "html").render(context)
        first, _, rest = text.partition("\n")
        if first.startswith(SUBJECT):
            return RenderedNotice(first.removeprefix(SUBJECT).strip(), rest.lstrip("\n"), html)
        return RenderedNotice(kind.replace("_", " ").capitalize(), text, html)

    @staticmethod
    def _pick(env: Environment, kind: str, language: str, suffix: str) -> Template:
        try:
            return env.get_template(f"{language}/{kind}.{suffix}")
        except TemplateNotFound:
            return env.get_template(f"{DEFAULT_LANGUAGE}/{kind}.{suffix}")


class CustomerWebhooks:
    """A signed POST to each customer's own URL with its own secret, retried by `policy`."""

    def __init__(self, policy: RetryPolicy, timeout_s: float,
                 metrics: Metrics | None = None) -> None:
        self._policy, self._timeout, self._metrics = policy, timeout_s, metrics

    def post(self, url: str, secret: str, notice: WebhookNotice) -> None:
        try:
            notifier = WebhookNotifier(url, secret, self._timeout, WEBHOOK_SYSTEM)
        except ValueError as error:
            raise ConnectorRejected(WEBHOOK_SYSTEM, str(notice.body.get("type", "notify")),
                                    f"the customer's webhook secret is not valid: {error}"
                                    ) from error
        RetryingWebhookSender(notifier, WEBHOOK_SYSTEM, self._policy, self._metrics).post(notice)


NoticeProfile = SmtpProfile
"""What is read from `shipshape.notice_settings.NoticeSettings`."""


def build_customer_senders(profile: NoticeProfile, metrics: Metrics | None = None
                           ) -> tuple[MailSender | None, CustomerWebhooks]:
    """The mail sender (None without an SMTP host) and the customers' webhooks."""
    policy = policy_of(profile)
    mail: MailSender | None = None
    if profile.smtp_host:
        mailer = SmtpMailer(profile.smtp_host, profile.smtp_port, profile.mail_from,
                            profile.timeout_s, profile.smtp_starttls, profile.smtp_username,
                            profile.smtp_password, MAIL_SYSTEM)
        mail = RetryingMailSender(mailer, MAIL_SYSTEM, policy, metrics)
    return mail, CustomerWebhooks(policy, profile.timeout_s, metrics)
