"""Reads behind the ExoPhone admin pages. Each runs a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, QuerySet, Subquery

from exoinventory.numbers.models import Circle, Direction, ExoPhone, ExoPhoneChange
from exoinventory.numbers.selectors.alternates import Alternate, AlternateBook, alternate_book
from exoinventory.numbers.selectors.freshness import Freshness

# The change page shows the latest of these; the full lists are in their own admin.
CHANGES_SHOWN = 100


def with_circle_name(queryset: QuerySet[ExoPhone]) -> QuerySet[ExoPhone]:
    """Annotate `circle_name` (None for a code not in the Circle table) in the
    same query, rather than one lookup per row."""
    name = Circle.objects.filter(code=OuterRef("region")).values("name")[:1]
    return queryset.annotate(circle_name=Subquery(name))


def exophone_changes(*, exophone: ExoPhone, limit: int = CHANGES_SHOWN) -> list[ExoPhoneChange]:
    """The number's latest changes, the sync's and local edits, newest first."""
    return list(exophone.changes.order_by("-observed_at", "-id")[:limit])


@dataclass(frozen=True)
class NumberPage:
    """What a number's page shows above its form, but for its timeline (the
    outages report's, admin.number_page). `changes` is None when the page
    leaves them out (the user may not read them)."""

    exophone: ExoPhone
    freshness: Freshness
    # The number's alternates now, as our own numbers.
    book: AlternateBook
    changes: list[ExoPhoneChange] | None

    @property
    def fresh_for(self) -> timedelta:
        return self.freshness.cadence(self.exophone.account_id).fresh_for

    def alternates_now(self, direction: str) -> list[Alternate]:
        """What Exotel offers instead of the number in `direction`, while its
        status there is fresh; each with its own status now."""
        if not self.freshness.status_now(self.exophone, direction):
            return []
        return self.book.of(getattr(self.exophone, f"{direction}_alternates"), direction)


def exophone_page(*, exophone: ExoPhone, now: datetime, with_changes: bool) -> NumberPage:
    """The number page's reads, the same few queries however many numbers
    and changes there are: the freshness windows, the latest changes, and
    the number's alternates among our numbers (one query)."""
    freshness = Freshness.at(now)
    alternate_lists = [getattr(exophone, f"{direction}_alternates") for direction in Direction]
    return NumberPage(
        exophone=exophone,
        freshness=freshness,
        book=alternate_book(alternate_lists, freshness=freshness),
        changes=exophone_changes(exophone=exophone) if with_changes else None,
    )
