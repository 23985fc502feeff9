"""Query strings the admin's filters and search cannot take.

Django's admin copies a filter or search value into its SQL as given, and
PostgreSQL refuses a text with a NUL byte: `?circle=%00` would answer 500.
A value that long (a filter value is a code or a word, a search a number or
a name) is no query either. Such a request to the admin answers 400 naming
the parameter; the reports check their own parameters (reports.base).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from exoinventory.exotel.quoting import quoted

# Longer than any flow URL (1,024) a search may quote.
LONGEST_QUERY_VALUE = 2048


def unusable_query(request: HttpRequest) -> list[str]:
    """What is wrong with the request's query string, one line per parameter."""
    problems = []
    for name, values in request.GET.lists():
        for value in values:
            if "\x00" in name or "\x00" in value:
                problems.append(f"{quoted(name)}: a NUL byte is not allowed")
            elif len(value) > LONGEST_QUERY_VALUE:
                longest = f"{LONGEST_QUERY_VALUE:,}"
                problems.append(f"{quoted(name)}: at most {longest} characters, not {len(value):,}")
    return problems


class AdminQueryGuardMiddleware:
    """Answer 400, in the admin's look, to an admin page asked with an unusable query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(reverse("admin:index")):
            problems = unusable_query(request)
            if problems:
                response = TemplateResponse(
                    request,
                    "admin/bad_query.html",
                    {"title": "Bad request", "problems": problems},
                    status=400,
                )
                return response.render()
        return self.get_response(request)
