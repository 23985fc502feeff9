"""Search by phone number in any form, for the admins that list numbers."""

import re

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from exoinventory.exotel.phones import phone_search_forms

# Separators people type inside a number: "011-3958 5476", "(011) 39585476".
_NUMBER_PUNCTUATION = re.compile(r"[\s\-().+]")
# Fewer digits than this match too many numbers to be a useful fragment.
_MIN_FRAGMENT_DIGITS = 4


def phone_number_lookup(field: str, term: str) -> Q | None:
    """Q for `field` matching a number typed in any common form, or a run of
    its digits typed with separators; None when `term` is not a number."""
    forms = phone_search_forms(term)
    if forms:
        return Q(**{f"{field}__in": forms})
    digits = _NUMBER_PUNCTUATION.sub("", term)
    if len(digits) >= _MIN_FRAGMENT_DIGITS and digits.isascii() and digits.isdigit():
        return Q(**{f"{field}__contains": digits})
    return None


class PhoneNumberSearchMixin:
    """Search also finds a number typed in any common form (+91…, 0…, 10
    digits, with spaces or dashes), which a substring search cannot."""

    phone_number_field = "phone_number"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        lookup = phone_number_lookup(self.phone_number_field, search_term.strip())
        if lookup is not None:
            results |= queryset.filter(lookup)
        return results, may_have_duplicates
