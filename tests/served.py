"""The real events/ imported once, with ``ledger serve``'s Datasette on them and the CLI
beside it, for the tests of the web interface without a browser."""

from __future__ import annotations

import asyncio
import html
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from click.testing import CliRunner

from ledger.cli import main
from ledger.web.app import build

REPOSITORY = Path(__file__).resolve().parent.parent


class Ledger:
    """The real events imported once, the CLI and a Datasette on them."""

    def __init__(self, folder: Path) -> None:
        self.store, self.views = str(folder / "ledger.db"), str(folder / "views.db")
        self.cli("import", str(REPOSITORY / "events"))
        self.datasette = build(self.store, self.views)
        asyncio.run(self.datasette.invoke_startup())  # as ledger serve starts it

    def cli(self, *args: str) -> Any:
        result = CliRunner().invoke(main, ["--store", self.store, "--views", self.views, *args])
        return result

    def view_rows(self, name: str, params: dict[str, str]) -> list[dict[str, Any]]:
        pairs = [arg for item in params.items() for arg in ("-p", *item)]
        result = self.cli("view", name, *pairs, "--format", "json")
        assert result.exit_code == 0, result.output
        rows: list[dict[str, Any]] = json.loads(result.stdout)
        return rows

    def get(self, path: str, **params: str) -> Any:
        url = f"{path}?{urlencode(params)}" if params else path
        return asyncio.run(self.datasette.client.get(url))


def error_shown(response: Any) -> str:
    """The error a 400 answer gives: its JSON's, or as an HTML page shows it."""
    if response.headers["content-type"].startswith("application/json"):
        error: str = response.json()["error"]
        return error
    return html.unescape(response.text)
