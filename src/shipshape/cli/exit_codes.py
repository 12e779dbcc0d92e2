"""The exit statuses of every `shipshape` command, one meaning each, for scripts and schedulers.

0  OK: all done; every row of an input file was taken.
1  FAILURE: the command could not do its work: the database cannot be opened or its schema is
   not current, a named thing does not exist, the store refused a change, a check found
   violations, a dead letter still fails.
2  USAGE: the command line, the configuration or an input file is wrong (Typer's own usage
   errors too: an unknown option, a missing argument, a file that does not exist). Nothing
   was done.
3  REJECTED: the command ran, but some rows of its input were rejected (`shipshape ingest`,
   `shipshape watch --once`); the rejects file beside the input names each with its reason.
"""

from __future__ import annotations

OK = 0
FAILURE = 1
USAGE = 2
REJECTED = 3
