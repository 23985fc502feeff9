"""Every URL of the project, found by walking the URL patterns (a page added
later is covered without touching this test): anonymous visitors are sent to
the login page, but for the login page itself and /healthz, which tells them
only ok or not ok; and no POST without a CSRF token is ever served, to
anyone. The one exception is Exotel's Heartbeat webhook: no login and no
CSRF token, the secret in its path proving the sender; with a wrong secret
(the walk's) it is 404 to everyone, with the right one it takes a POST
without a token. The role matrix of the pages is in test_roles.py."""

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import make_exophone, make_user

pytestmark = pytest.mark.django_db

# Path converters and regex groups, each given a value that exists below.
PARAMETERS = (
    (re.compile(r"<(?:path:|int:|str:)?\w+>"), "1"),
    (re.compile(r"\(\?P<app_label>[^)]*\)"), "numbers"),
    (re.compile(r"\(\?P<url>[^)]*\)"), "no-such-page/"),
)
OPEN_TO_ANYONE = {"/admin/login/", "/healthz"}
# Exotel's Heartbeat, as the walk fills it in: a secret that is no account's.
WEBHOOK = "/webhooks/exotel/heartbeat/1/"
WEBHOOK_SECRET = "Xk3-pQ8_vN2rT6yW9zB4cF7hJ1mL5sD0"


def _patterns(patterns: list, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _concrete(pattern: str) -> str:
    url = pattern.replace("^", "").replace("$", "")
    for parameter, value in PARAMETERS:
        url = parameter.sub(value, url)
    return "/" + url


URLS = sorted({_concrete(pattern) for pattern in _patterns(get_resolver().url_patterns)})


def test_the_walk_finds_every_part_of_the_site() -> None:
    for expected in ("/admin/", "/reports/outages/", "/admin/numbers/exophone/1/change/", WEBHOOK):
        assert expected in URLS
    assert len(URLS) > 60


@pytest.fixture(autouse=True)
def _a_number() -> None:
    make_exophone()  # pk 1 may or may not exist: either way, no 500


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_the_login_page(url: str) -> None:
    response = Client().get(url)

    if url == "/healthz":
        assert set(response.json()) == {"status"}
    elif url == WEBHOOK:
        assert response.status_code == 404
    elif url == "/admin/login/":
        assert response.status_code == 200
    elif url in ("/", "/admin/logout/"):
        # To the admin index, which sends them on to the login page.
        assert response["Location"] == "/admin/"
    else:
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next="), url


@pytest.mark.parametrize("url", URLS)
def test_no_post_without_a_csrf_token_is_served(url: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("root", is_superuser=True))

    response = client.post(url, {"_save": "1", "notes": "changed"})

    if url == WEBHOOK:
        # Not the token: the walk's secret is no account's.
        assert response.status_code == 404
        return
    # 403: refused for the token; 405: the page takes no POST at all.
    assert response.status_code in (403, 405), (url, response.status_code)


def test_the_heartbeat_webhook_alone_takes_a_post_without_login_or_csrf_token(settings) -> None:
    settings.EXOTEL_ACCOUNTS = "https://key:token@api.exotel.com/acme"
    settings.EXOTEL_HEARTBEAT_TOKENS = {"acme": WEBHOOK_SECRET}
    client = Client(enforce_csrf_checks=True)
    body = '{"timestamp": "2026-11-22T06:00:00Z", "status_type": "OK"}'

    right = client.post(
        f"/webhooks/exotel/heartbeat/{WEBHOOK_SECRET}/", body, content_type="application/json"
    )
    wrong = client.post(WEBHOOK, body, content_type="application/json")

    assert right.status_code == 200
    assert right.json()["recorded"] is True
    assert wrong.status_code == 404
