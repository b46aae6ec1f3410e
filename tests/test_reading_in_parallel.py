"""A large import reads its lines in a worker process while the main one checks and
appends: what it reads, and every problem, must be exactly what reading here gives."""

import json
from concurrent.futures import Future

import pytest
from stores import REPOSITORY, published_ledger

from ledger.records.located import Located
from ledger.writing import file_pages, jsonlines
from ledger.writing.jsonlines import RecordStream

GOOD = {
    "id": "alloc-1", "kind": "allocation", "financial_year": "2013-14", "account": "06H",
    "amount": "£1m", "as_at": "2013-04-01", "source": "src-1", "locator": "p1",
}  # fmt: skip


def lines_of_every_sort(count: int) -> list[bytes]:
    """Good records among blank lines, broken JSON, invalid records, bytes that are not
    UTF-8 and a line far too long, spread over several pages."""
    lines = []
    for n in range(count):
        record = dict(GOOD, id=f"alloc-{n}")
        if n % 97 == 1:
            lines.append(b"\n")
        elif n % 89 == 2:
            lines.append(b'{"id": "broken", \n')
        elif n % 83 == 3:
            lines.append(json.dumps(dict(record, financial_year="2013-15")).encode() + b"\n")
        elif n % 79 == 4:
            lines.append(b'{"id": "\xff"}\n')
        else:
            lines.append(json.dumps(record).encode() + b"\n")
    lines.insert(count // 2, b'"' + b"x" * (jsonlines.LONGEST_LINE + 10) + b'"\n')
    return lines


def read(paths, parallel):
    stream = RecordStream(paths, parallel=parallel)
    records = [(item.where, item.fields) for item in stream]
    return records, [str(problem) for problem in stream.problems]


@pytest.mark.parametrize("lines_a_page", [jsonlines.PAGE_LINES, 37])
def test_reading_in_a_worker_gives_the_same_records_and_problems_in_the_same_order(
    tmp_path, monkeypatch, lines_a_page
):
    monkeypatch.setattr(file_pages, "PAGE_BYTES", 20_000)  # many pages, several in flight
    monkeypatch.setattr(jsonlines, "PAGE_LINES", lines_a_page)  # pages read here
    first, second, empty = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    first.write_bytes(b"".join(lines_of_every_sort(1_000)))
    second.write_bytes(b"".join(lines_of_every_sort(250)))
    empty.write_bytes(b"\n\n")
    paths = [first, tmp_path / "missing.jsonl", second, empty]

    here, problems_here = read(paths, parallel=False)
    there, problems_there = read(paths, parallel=True)

    assert there == here
    assert problems_there == problems_here
    assert len(here) > 1_000  # good records from both files
    assert any("line is longer than" in problem for problem in problems_here)
    assert any("not UTF-8" in problem for problem in problems_here)
    assert any(
        problem.startswith(f"{empty}:1: the file holds no records") for problem in problems_here
    )


def test_an_import_checks_its_pages_records_in_chunks_of_the_same_size():
    """The records come a page at a time, pages of any size (a worker cuts its pages by
    their bytes); an import checks and appends them in chunks of one size, the last
    shorter, in their order."""
    pages = [list(range(0, 3)), list(range(3, 8)), list(range(8, 9)), list(range(9, 17))]
    assert list(jsonlines.chunks(pages, 4)) == [
        [0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15], [16],
    ]  # fmt: skip
    assert list(jsonlines.chunks(pages, 100)) == [list(range(17))]
    assert list(jsonlines.chunks([], 4)) == []


def test_small_imports_are_read_here_and_large_ones_in_a_worker(tmp_path, monkeypatch):
    small = tmp_path / "small.jsonl"
    small.write_bytes(b"".join(lines_of_every_sort(10)))
    stream = RecordStream([small])
    list(stream)
    assert stream._in_parallel() is False
    monkeypatch.setattr(jsonlines, "PARALLEL_FROM_BYTES", 100)
    monkeypatch.setattr(jsonlines.os, "cpu_count", lambda: 2)
    assert stream._in_parallel() is True
    monkeypatch.setattr(jsonlines.os, "cpu_count", lambda: 1)
    assert stream._in_parallel() is False


@pytest.mark.parametrize("parallel", [False, True])
def test_the_published_record_imports_the_same_either_way(tmp_path, monkeypatch, parallel):
    monkeypatch.setattr(jsonlines, "PARALLEL_FROM_BYTES", 0 if parallel else 10**12)
    monkeypatch.setattr(jsonlines.os, "cpu_count", lambda: 2)
    invoke = published_ledger(tmp_path)
    result = invoke("check")
    assert result.exit_code == 0, result.output
    assert "No failures in 17 checks over 12,867 records." in result.output


def everything_read(stream):
    """What the checks and the append use of each record read: its place, its model and
    values, its normalised fields and their JSON, what a batch remembers of it (by field
    name: a plain tuple of the same values would compare equal), its key and what it adds
    to the sums."""
    return [
        (item.where, type(item.record), item.record.__dict__, item.record.model_fields_set,
         item.fields, item.content, item.seen._asdict(), item.key, item.counted)
        for item in stream
    ]  # fmt: skip


def test_every_published_record_comes_back_from_the_worker_as_it_was_read(monkeypatch):
    """A worker hands records back pickled its own way (records.located): each must
    arrive whole, with what was worked out of it, and work as one read here."""
    monkeypatch.setattr(file_pages, "PAGE_BYTES", 100_000)
    here = everything_read(RecordStream([REPOSITORY / "events"], parallel=False))
    there_stream = RecordStream([REPOSITORY / "events"], parallel=True)
    there = everything_read(there_stream)

    assert there == here
    assert len(there) == 12_867
    assert there_stream.problems == []
    kinds = {model.__name__ for _, model, *_ in there}
    assert {"AllocationRecord", "ErratumRecord", "FigureRecord", "MergerRecord"} <= kinds


def test_what_reading_a_line_works_out_at_once_is_what_a_record_works_out_when_asked():
    """An import works out a record's fields, JSON, what a batch keeps and key as its
    line is read (Located.worked_out); a record given by the ``record`` command works each
    out when first asked. The two must agree for every published record."""
    read_here = list(RecordStream([REPOSITORY / "events"], parallel=False))
    for item in read_here:
        asked = Located(item.where, item.record)
        assert (asked.fields, asked.content, asked.seen, asked.key, asked.counted) == (
            item.fields, item.content, item.seen, item.key, item.counted,
        ), item.where  # fmt: skip
    assert len(read_here) == 12_867


def test_a_file_gone_while_its_pages_are_read_is_a_problem_at_the_page_not_a_traceback(tmp_path):
    """The worker reads each page from the file itself: a file removed after the import
    began is said where its page begins."""
    gone = tmp_path / "gone.jsonl"
    page = file_pages.Page(start=0, end=100, first_line=41)
    handed: Future[jsonlines.HandedPage] = Future()
    handed.set_result(jsonlines._read_page(str(gone), page))
    assert jsonlines._taken_back(page.first_line, handed) == (
        41,
        [["the file could not be read again while importing it (No such file or directory)"]],
    )
