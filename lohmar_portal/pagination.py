"""Pagination that never counts more rows than a person would page through."""

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows, so a long list costs a bounded COUNT.

    Beyond the cap a page says "more than 10,000" and offers the first pages; people narrow a
    list that long with search and filters, not by paging to its end.
    """

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap
