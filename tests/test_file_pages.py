"""A large import's worker reads its pages from the file itself: every line of the file
must be in exactly one page, whole, numbered as it is in the file."""

import io

from hypothesis import given
from hypothesis import strategies as st

from ledger.writing.file_pages import Page, PageStream, pages_of

LINE = st.binary(max_size=40).map(lambda line: line.replace(b"\n", b""))


def lines_by_pages(content: bytes, size: int) -> list[tuple[int, bytes]]:
    """(number, line) of every line, read page by page as the worker reads them."""
    read = []
    for page in pages_of(io.BytesIO(content), size):
        stream = PageStream(io.BytesIO(content), page)
        number = page.first_line
        while line := stream.readline(1_000):
            read.append((number, line))
            number += 1
    return read


@given(lines=st.lists(LINE, max_size=30), size=st.integers(1, 64), last_ended=st.booleans())
def test_pages_hold_every_line_once_in_order_and_numbered_as_in_the_file(lines, size, last_ended):
    content = b"\n".join(lines) + (b"\n" if last_ended and lines else b"")
    expected = list(enumerate(io.BytesIO(content).readlines(), 1))
    assert lines_by_pages(content, size) == expected


def test_a_line_longer_than_a_page_is_a_page_of_its_own():
    content = b"a\n" + b"x" * 100 + b"\nb\nc"
    assert list(pages_of(io.BytesIO(content), 8)) == [
        Page(0, 2, 1),  # "a\n"
        Page(2, 103, 2),  # the long line, found across thirteen reads of 8 bytes
        Page(103, 105, 3),  # "b\n"
        Page(105, 106, 4),  # "c", with no newline after it
    ]
    assert [line for _, line in lines_by_pages(content, 8)] == [
        b"a\n",
        b"x" * 100 + b"\n",
        b"b\n",
        b"c",
    ]


def test_an_empty_file_has_no_pages():
    assert list(pages_of(io.BytesIO(b""), 8)) == []
