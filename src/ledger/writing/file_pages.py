"""A large import file cut into pages of whole lines by their place in the file, so that
the worker reading them reads each page from the file itself: the command finds where
pages begin and end (a count of newlines, done in C) and hands over only that."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

# Some 2,000 records of a few hundred bytes each.
PAGE_BYTES = 512 * 1024


class Page(NamedTuple):
    """The lines of a file from byte ``start`` to ``end`` (just after a newline, or the
    end of the file), the first of them line ``first_line``."""

    start: int
    end: int
    first_line: int


def pages_of(stream: Any, size: int | None = None) -> Iterator[Page]:
    """The pages of a binary stream, each the lines that end in one read of ``size``
    bytes (a line longer than that makes its page as long as it needs, and is passed
    over a read at a time, never held whole)."""
    size = size or PAGE_BYTES
    start, first_line, offset = 0, 1, 0
    while block := stream.read(size):
        cut = block.rfind(b"\n")
        if cut != -1:  # the page ends with this block's last newline
            end = offset + cut + 1
            yield Page(start, end, first_line)
            first_line += block.count(b"\n", 0, cut + 1)
            start = end
        offset += len(block)
    if offset > start:  # a last line without a newline
        yield Page(start, offset, first_line)


class PageStream:
    """A binary stream of one page of a file: ``readline`` as the file's, stopping at the
    page's end."""

    def __init__(self, stream: Any, page: Page):
        stream.seek(page.start)
        self.stream, self.left = stream, page.end - page.start

    def readline(self, limit: int) -> bytes:
        line: bytes = self.stream.readline(min(limit, self.left))
        self.left -= len(line)
        return line
