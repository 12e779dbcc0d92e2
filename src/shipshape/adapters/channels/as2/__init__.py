"""AS2 (RFC 4130): S/MIME signed and encrypted EDI over HTTP, with signed receipts (MDNs).

`crypto` signs, verifies, encrypts and decrypts (CMS through `cryptography`, the signer's
signed attributes checked with `asn1crypto`); `mime` reads and writes the MIME entities;
`message` opens an inbound message and builds an outbound one; `mdn` builds and checks
receipts; `inbound` takes a message into the EDI intake; `http` posts messages and receipts.
"""
