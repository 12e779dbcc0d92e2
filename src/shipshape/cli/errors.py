"""What the `shipshape` command says when it stops on an error: one line each, on stderr, with
no traceback, no library's help URL and no password; and the exit status of `exit_codes`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from shipshape.adapters.db.errors import first_line
from shipshape.cli import exit_codes
from shipshape.config import masked_url
from shipshape.domain.errors import InvalidInput, ShipshapeError

stderr = Console(stderr=True, soft_wrap=True, highlight=False)
HELP_URL = re.compile(r"\s*(For further information visit )?https://errors\.pydantic\.dev/\S*")


def report(error: BaseException, database_url: str) -> int | None:
    """Print `error` for the operator and return the exit status; None: not an error of ours
    to explain (a bug), which keeps its traceback."""
    found = explain(error, database_url)
    if found is None:
        return None
    code, lines = found
    for line in lines:
        stderr.print(f"[red]error:[/] {scrubbed(line, database_url)}", markup=True)
    return code


def explain(error: BaseException, database_url: str) -> tuple[int, list[str]] | None:
    if isinstance(error, ShipshapeError):
        code = exit_codes.USAGE if isinstance(error, InvalidInput) else exit_codes.FAILURE
        return code, [one_line(str(error))]
    if isinstance(error, ValidationError):
        return exit_codes.USAGE, list(field_errors(error))
    if isinstance(error, OperationalError):
        return exit_codes.FAILURE, [f"cannot open the database at {masked_url(database_url)}: "
                                    f"{first_line(error.orig)}"]
    if isinstance(error, DBAPIError):
        return exit_codes.FAILURE, [f"the database at {masked_url(database_url)} failed: "
                                    f"{first_line(error.orig)}"]
    if isinstance(error, FileNotFoundError):
        return exit_codes.USAGE, [f"{error.filename}: no such file or folder"]
    if isinstance(error, OSError):
        return exit_codes.FAILURE, [f"{error.filename or 'a file'}: {error.strerror or error}"]
    return None


def field_errors(error: ValidationError) -> Iterator[str]:
    """`field: message` per failed field, without pydantic's boilerplate and URLs."""
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in problem["loc"])
        yield f"{field}: {message}" if field else message


def one_line(message: str) -> str:
    """A message with any help URL of pydantic dropped and its lines joined."""
    return " ".join(HELP_URL.sub("", message).split())


def scrubbed(text: str, database_url: str) -> str:
    """`text` with the database password, wherever it appears, shown as `***`."""
    try:
        password = make_url(database_url).password
    except ArgumentError:
        return text
    return text.replace(str(password), "***") if password else text
