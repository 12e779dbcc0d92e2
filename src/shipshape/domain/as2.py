"""AS2 outcomes the desk sees: a document a partner did not acknowledge over AS2."""

from __future__ import annotations

from shipshape.domain.findings import Finding, Kind, Team, warn

AS2_TRANSMISSION_FAILED = "AS2_TRANSMISSION_FAILED"


def transmission_failed(partner_id: str, document: str, control_number: str, document_id: int,
                        reason: str) -> Finding:
    """`AS2_TRANSMISSION_FAILED`: the document did not reach the partner with a good receipt
    (no MDN, a wrong MIC, an error disposition, retries run out); resend once fixed."""
    return warn(AS2_TRANSMISSION_FAILED, Kind.INTEGRATION, Team.INTEGRATION,
                f"the {document} {control_number} to partner {partner_id} was not acknowledged "
                f"over AS2: {reason}", partner=partner_id, document=document,
                control_number=control_number, edi_document_id=document_id, reason=reason)
