"""No admin list answers 500 to a filter or search value PostgreSQL cannot
take: a NUL byte, or a value longer than any real one, answers 400 naming
the parameter; anything else is an answer or Django's own "?e=1" redirect."""

import pytest
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.test import Client
from django.urls import reverse

from exoinventory.middleware import LONGEST_QUERY_VALUE
from tests.factories import make_exophone, make_user

pytestmark = pytest.mark.django_db


def _changelists() -> list[tuple[str, list[str]]]:
    """Every registered admin list, with the query parameters its filters
    and search read."""
    lists = []
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        params = ["q", "o", "p"]
        for spec in model_admin.list_filter:
            if isinstance(spec, type) and issubclass(spec, SimpleListFilter):
                params.append(spec.parameter_name)
            elif isinstance(spec, str):
                params += [f"{spec}__exact", f"{spec}__id__exact", spec]
        lists.append((url, params))
    return lists


CHANGELISTS = _changelists()


@pytest.fixture
def superuser() -> Client:
    make_exophone()
    client = Client()
    client.force_login(make_user("root", is_superuser=True))
    return client


@pytest.mark.parametrize(("url", "params"), CHANGELISTS)
@pytest.mark.parametrize("value", ["\x00", "DL\x00", "x" * (LONGEST_QUERY_VALUE + 1)])
def test_an_unusable_value_of_any_filter_answers_400_naming_it(
    superuser: Client, url: str, params: list[str], value: str
) -> None:
    for param in params:
        response = superuser.get(url, {param: value})

        assert response.status_code == 400, (url, param)
        assert f"&#x27;{param}&#x27;:" in response.content.decode()


@pytest.mark.parametrize(("url", "params"), CHANGELISTS)
@pytest.mark.parametrize("value", ["%", "'", "nonsense", "-1", "x" * LONGEST_QUERY_VALUE])
def test_any_other_value_is_an_answer_never_a_500(
    superuser: Client, url: str, params: list[str], value: str
) -> None:
    for param in params:
        response = superuser.get(url, {param: value})

        # 302: Django's own "?e=1" for a lookup it cannot apply.
        assert response.status_code in (200, 302), (url, param, response.status_code)


def test_the_guard_leaves_the_reports_their_own_messages(superuser: Client) -> None:
    response = superuser.get("/reports/flows/", {"account": "acme\x00", "format": "json"})

    assert response.status_code == 400
    assert response.json() == {"errors": ["account=acme\\x00: Null characters are not allowed."]}
