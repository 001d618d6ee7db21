"""Pagination that never counts more rows than a person would page through."""

from functools import cached_property

from django.core.paginator import Paginator

from .cache import cached_read


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows, so a long list costs a bounded COUNT.

    Beyond the cap a page says "more than 10,000" and offers the first pages; people narrow a
    list that long with search and filters, not by paging to its end.
    """

    cap = 10_000

    def __init__(self, *args, count_key: str | None = None, **kwargs):
        """`count_key`: what the count depends on; with it the count is a shared cached read."""
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        def read() -> int:
            return self.object_list[: self.cap + 1].count()

        if self.count_key is None:
            return read()
        return cached_read("count", self.count_key, compute=read)

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap
