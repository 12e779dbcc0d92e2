"""The web console at /console: NiceGUI pages on the API's own FastAPI app, every asset served
by the app itself. The pages are a client of the API (`client.py`): a user sees and does what
the API lets the token they signed in with see and do."""

from __future__ import annotations

from fastapi import FastAPI

from shipshape.console.session import Identify

MOUNT_PATH = "/console"
_mounted: list[FastAPI] = []


def mount(app: FastAPI, *, storage_secret: str, identify: Identify) -> None:
    """Serve the console under /console of `app`. NiceGUI keeps its pages and its own app in
    globals, so a process mounts the console once: a second call raises."""
    if _mounted:
        raise RuntimeError("the console is already mounted in this process (NiceGUI's state "
                           "is global); build apps without it (create_app(console=False))")
    from nicegui import ui

    from shipshape.console.pages import register

    register(app, identify)
    ui.run_with(app, mount_path=MOUNT_PATH, storage_secret=storage_secret,
                title="Shipshape console", favicon="📦", show_welcome_message=False,
                reconnect_timeout=10.0)
    _mounted.append(app)
