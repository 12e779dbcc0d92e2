"""Every process's log lines carry a time, a level and their logger, as text or as JSON."""

from __future__ import annotations

import json
import logging
import re

import pytest

from shipshape.services.correlation import serving

pytestmark = pytest.mark.usefixtures("configured_logging")


def test_a_text_line_has_a_time_a_level_and_its_logger(capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("shipshape.worker").warning("consumer %s is behind", "wms-release")
    [line] = capsys.readouterr().err.splitlines()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} WARNING shipshape.worker: "
                        r"consumer wms-release is behind", line)


def test_a_line_written_for_a_request_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    with serving("portal-42"):
        logging.getLogger("shipshape.api").error("store unavailable")
    assert capsys.readouterr().err.rstrip().endswith("store unavailable [request portal-42]")


def test_json_lines_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    from shipshape.adapters.logs import configure

    configure("INFO", "json")
    with serving("portal-42"):
        logging.getLogger("shipshape.relay").info("relayed %d events", 3)
    line = json.loads(capsys.readouterr().err)
    assert {k: line[k] for k in ("level", "logger", "message", "request_id")} == {
        "level": "INFO", "logger": "shipshape.relay", "message": "relayed 3 events",
        "request_id": "portal-42"}
    assert line["time"]
