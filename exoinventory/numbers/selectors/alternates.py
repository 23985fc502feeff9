"""The alternates Exotel offers for a number that is down, as our own numbers.

Exotel names an alternate by its phone number, in whatever form it sends.
The overview, the number page and the outages report show each alternate as
a link to its own number with its own status now (the freshness rule), so
support can tell at a glance whether the alternate is itself up. One query
for all the alternates of a page.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from exoinventory.exotel.phones import PhoneNumberError, normalise_phone_number
from exoinventory.numbers.models import ExoPhone
from exoinventory.numbers.selectors.freshness import Freshness


@dataclass(frozen=True)
class Alternate:
    """One alternate: `pk` and its status now when it is one of our current
    numbers; else only the number as Exotel sent it."""

    phone_number: str
    pk: int | None = None
    status_now: str | None = None  # Exotel's word, or None: no data or not ours

    @property
    def ours(self) -> bool:
        return self.pk is not None


def _e164(text: str) -> str | None:
    try:
        return normalise_phone_number(text)
    except PhoneNumberError:
        return None


@dataclass(frozen=True)
class AlternateBook:
    """Our current numbers among a page's alternates, by E.164 number."""

    freshness: Freshness
    numbers: dict[str, ExoPhone]

    def of(self, alternates: object, direction: str) -> list[Alternate]:
        """A run's or number's stored alternates (a JSON list of numbers), each
        with the alternate's own status for the same direction."""
        if not isinstance(alternates, list):
            return []
        shown = []
        for text in alternates:
            if not isinstance(text, str):
                continue
            number = self.numbers.get(_e164(text) or "")
            if number is None:
                shown.append(Alternate(phone_number=text))
            else:
                shown.append(
                    Alternate(
                        phone_number=number.phone_number,
                        pk=number.pk,
                        status_now=self.freshness.status_now(number, direction),
                    )
                )
        return shown


def alternate_book(alternate_lists: Iterable[object], *, freshness: Freshness) -> AlternateBook:
    """Look up every alternate of `alternate_lists` among our current numbers:
    one query, however many lists."""
    wanted = {
        e164
        for alternates in alternate_lists
        if isinstance(alternates, list)
        for text in alternates
        if isinstance(text, str) and (e164 := _e164(text))
    }
    numbers = (
        ExoPhone.objects.filter(phone_number__in=wanted, released_at__isnull=True).only(
            "pk",
            "account_id",
            "phone_number",
            "incoming_status",
            "outgoing_status",
            "connectivity_observed_at",
            "released_at",
        )
        if wanted
        else ExoPhone.objects.none()
    )
    return AlternateBook(freshness=freshness, numbers={n.phone_number: n for n in numbers})
