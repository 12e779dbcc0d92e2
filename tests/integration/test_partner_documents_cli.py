"""`shipshape partners documents PARTNER`: the EDI documents stored for a partner."""

from __future__ import annotations

from datetime import UTC, datetime

from shipshape.bootstrap import Container
from tests.cli_support import shipshape

AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def stored(container: Container) -> None:
    with container.deps.uow() as uow:
        uow.edi.store_document("ACME-EDI", "in", "850", "3438", None, "ISA*850~", AT)
        uow.edi.store_document("ACME-EDI", "out", "856", "1", None, "ISA*856-text~", AT)
        uow.edi.store_document("ACME-EDI", "out", "810", "2", None, "ISA*810-text~", AT)
        uow.edi.store_document("OTHER", "out", "856", "9", None, "ISA*other~", AT)
        uow.commit()


def test_documents_lists_a_partners_documents_by_type_and_direction(
    url: str, store: Container,
) -> None:
    stored(store)
    every = shipshape(url, "partners", "documents", "ACME-EDI").output
    assert all(kind in every for kind in ("850", "856", "810")) and "OTHER" not in every
    asns = shipshape(url, "partners", "documents", "ACME-EDI", "--type", "856",
                     "--content").output
    assert "ISA*856-text~" in asns and "810" not in asns and "ISA*other~" not in asns
    sent = shipshape(url, "partners", "documents", "ACME-EDI", "--direction", "out").output
    assert "856" in sent and "850" not in sent
    assert "ISA*" not in every  # the text only with --content


def test_documents_of_a_partner_with_none_says_so(url: str, store: Container) -> None:
    assert "no documents for partner NOBODY" in shipshape(url, "partners", "documents",
                                                          "NOBODY").output
