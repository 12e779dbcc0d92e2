"""AS2 in: partners POST signed and encrypted EDI here; the answer is the (signed) MDN.

No bearer token: a partner is known by its AS2-From and proven by its signature (its
certificate in the partner profile). The EDI goes through the same intake as `/edi/x12`."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from shipshape.adapters.channels.as2.crypto import Identity
from shipshape.adapters.channels.as2.http import post_mdn
from shipshape.adapters.channels.as2.inbound import Station, receive_as2
from shipshape.adapters.db.as2_store import SqlAs2
from shipshape.api.deps import container
from shipshape.api.errors import problem
from shipshape.bootstrap import Container

router = APIRouter()
App = Annotated[Container, Depends(container)]
BINARY = {"schema": {"type": "string", "format": "binary"}}
BODY = {"requestBody": {"required": True, "content": {
    "application/pkcs7-mime": BINARY, "multipart/signed": BINARY,
    "application/octet-stream": BINARY}}}


@lru_cache(maxsize=4)
def _identity(key_file: str, cert_file: str) -> Identity:
    return Identity.from_files(key_file, cert_file)


def station(c: Container) -> Station | None:
    """Our AS2 station from the settings; None when AS2 is not configured."""
    s = c.settings.as2
    if not s.configured:
        return None
    return Station(s.id, _identity(s.key_file, s.cert_file), c.edi_identity)


@router.post("/as2", openapi_extra=BODY, response_class=Response,
             responses={200: {"description": "The MDN (multipart/signed), or empty when the "
                                             "partner asked for none or for an async one; "
                                             "for an MDN posted to us, `MDN delivered`, "
                                             "`MDN failed` or `MDN unknown` (text)",
                              "content": {"multipart/signed": {
                                  "schema": {"type": "string", "format": "binary"}},
                                  "text/plain": {"schema": {"type": "string"}}}},
                        400: {"description": "No AS2-From or Message-ID, or an MDN whose "
                                             "signature does not verify"},
                        404: {"description": "AS2 is not configured here"}})
async def post_as2(request: Request, c: App, background: BackgroundTasks) -> Response:
    """One AS2 message (RFC 4130): decrypted, its signature checked, its EDI taken; or the
    asynchronous MDN of a message we sent, which settles its transmission."""
    us = station(c)
    if us is None:
        return problem(404, "AS2 is not configured: set as2.id, as2.key_file, as2.cert_file")
    body = await request.body()
    answer = await run_in_threadpool(receive_as2, c.deps, SqlAs2(c.engine), us,
                                     dict(request.headers), body)
    if answer.async_url and answer.async_mdn is not None:
        headers, mdn = answer.async_mdn
        background.add_task(post_mdn, answer.async_url, headers, mdn,
                            c.settings.as2.timeout_s)
    return Response(answer.body, status_code=answer.status, headers=answer.headers)
