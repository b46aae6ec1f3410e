"""ledger chart: a PNG of a figure over known dates (matplotlib is an optional extra)."""

import builtins

from factories import allocation, correction, transfer, world, write_jsonl

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def ledger_with(run, tmp_path, *records):
    path = write_jsonl(tmp_path / "history.jsonl", [*world(), *records])
    assert run("import", str(path)).exit_code == 0
    return lambda *args: run("--views", str(tmp_path / "views.db"), *args)


HISTORY = [
    allocation(as_at="2013-04-01"),
    transfer(**{"from": "06H"}, as_at="2013-08-01"),
    correction("fix", "transfer-05Q", action="replace", amount="£4m", as_at="2013-11-01"),
]


def test_chart_writes_a_png_of_the_figure(run, tmp_path):
    ledger = ledger_with(run, tmp_path, *HISTORY)
    output = tmp_path / "06H.png"
    result = ledger("chart", "06H", "allocation", "--year", "2013-14", "-o", str(output))
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {output}: 3 changes of allocation for 06H.\n"
    data = output.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000


def test_chart_without_matplotlib_says_how_to_get_it(run, tmp_path, monkeypatch):
    ledger = ledger_with(run, tmp_path, *HISTORY)
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = ledger("chart", "06H", "allocation", "-o", str(tmp_path / "x.png"))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: charts need matplotlib, which is optional: pip install "
        "'commissioning-ledger[charts]' (in a checkout: .venv/bin/pip install -e '.[charts]')\n"
    )
    assert not (tmp_path / "x.png").exists()
