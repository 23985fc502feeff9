"""The users of the load test, driven by Locust: `python -m benchmarks.load_users
URL --username NAME --users N --seconds S [--tls-proxy]`, the password on
standard input; prints what they measured as JSON.

benchmarks/load.py starts this in a child process and reads the figures:
Locust monkey-patches the standard library with gevent as it is imported
(first, below), which must never happen in pytest's process or make bench's.

Each user logs in through the real login form (its CSRF token, its cookie),
reads the ExoPhone list for the links to the numbers' pages, then visits the
overview, the list, a number's page and every report in turn, thinking a
second or two between pages. Times are kept only from the moment the last
user has logged in (a login is a password hash, not a page) until `seconds`
later; a failure counts wherever it happens, logins included.
"""

from locust import HttpUser, between, task  # isort: skip  (patches the stdlib first)

import argparse
import itertools
import json
import re
import sys
import time
from collections.abc import Iterator

import gevent
from gevent.event import Event
from locust.env import Environment
from locust.exception import StopUser

# The pages, by the name the figures give them; "number" is one number's
# page, taken in turn from the links of the list.
PAGES = {
    "overview": "/admin/",
    "list": "/admin/numbers/exophone/",
    "number": "",
    "costs": "/reports/costs/",
    "flows": "/reports/flows/",
    "outages": "/reports/outages/",
    "numbers": "/reports/numbers/",
}
LOGIN = "/admin/login/"
NUMBER_LINK = re.compile(r'href="(/admin/numbers/exophone/\d+/change/)[^"]*"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A person reading a page for a second or two is already a brisk user.
THINK_SECONDS = (1.0, 2.0)
# The longest the users may take to log in before the measured window.
LOGIN_SECONDS = 120.0


class Measured:
    """What the users saw: page times (ms) and failures, per page."""

    def __init__(self) -> None:
        self.window = Event()  # set once every user has logged in
        self.times: dict[str, list[float]] = {name: [] for name in PAGES}
        self.page_errors = dict.fromkeys(PAGES, 0)
        self.failures: list[str] = []

    def on_request(
        self, name: str, response_time: float, exception: Exception | None, **_: object
    ) -> None:
        if exception is not None:
            self.failures.append(f"{name}: {exception}")
        if self.window.is_set() and name in PAGES:
            if exception is None:
                self.times[name].append(response_time)
            else:
                self.page_errors[name] += 1

    def on_user_error(self, user_instance: object, exception: Exception, tb: object) -> None:
        self.failures.append(f"user error: {exception!r}")


def rotated(items: list[str], start: int) -> Iterator[str]:
    """The items over and over, from the one at `start`."""
    start %= len(items)
    return itertools.cycle(items[start:] + items[:start])


class Visitor(HttpUser):
    """A staff user reading every page in turn. main() sets the class fields."""

    wait_time = between(*THINK_SECONDS)
    username = ""
    password = ""
    behind_tls_proxy = False
    users = 0
    measured = Measured()
    logged_in = itertools.count(1)
    first_pages = itertools.count()

    def on_start(self) -> None:
        try:
            self.log_in()
        finally:
            if next(self.logged_in) == self.users:
                self.measured.window.set()

    def log_in(self) -> None:
        referer = self.host + LOGIN
        if self.behind_tls_proxy:
            # As the proxy would say: the CSRF check then wants an https Referer.
            self.client.headers["X-Forwarded-Proto"] = "https"
            referer = referer.replace("http://", "https://", 1)
        token = CSRF_FIELD.search(self.client.get(LOGIN, name="login").text)
        self.keep_secure_cookies()
        with self.client.post(
            LOGIN,
            name="login",
            data={
                "username": self.username,
                "password": self.password,
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "next": PAGES["overview"],
            },
            headers={"Referer": referer},
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302 or answer.headers.get("Location") != PAGES["overview"]:
                answer.failure(f"login answered {answer.status_code}, not the overview")
                raise StopUser()
        self.keep_secure_cookies()
        listed = self.client.get(PAGES["list"], name="login")
        # Each user starts at another page and another number, so that every
        # page is busy at once and the numbers' pages are not one cached page.
        first = next(self.first_pages)
        self.pages = rotated(list(PAGES), first)
        self.numbers = rotated(NUMBER_LINK.findall(listed.text) or ["/(no number)/"], first)

    def keep_secure_cookies(self) -> None:
        """Behind the TLS proxy, the browser speaks HTTPS and sends the secure
        cookies (CSRF, session) back; requests would keep them off plain HTTP."""
        if self.behind_tls_proxy:
            for cookie in self.client.cookies:
                cookie.secure = False

    @task
    def visit(self) -> None:
        name = next(self.pages)
        path = next(self.numbers) if name == "number" else PAGES[name]
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{path} answered {answer.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load_users", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--username", required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--tls-proxy", action="store_true")
    options = parser.parse_args()

    Visitor.host = options.url
    Visitor.username = options.username
    Visitor.password = sys.stdin.readline().strip()
    Visitor.behind_tls_proxy = options.tls_proxy
    Visitor.users = options.users
    measured = Visitor.measured
    environment = Environment(user_classes=[Visitor])
    environment.events.request.add_listener(measured.on_request)
    environment.events.user_error.add_listener(measured.on_user_error)
    runner = environment.create_local_runner()
    window: list[float] = []

    def stop_after_the_window() -> None:
        # Bounded either way: `seconds` after the last login, or the login time.
        if measured.window.wait(LOGIN_SECONDS):
            began = time.monotonic()
            gevent.sleep(options.seconds)
            window.append(time.monotonic() - began)
        else:
            measured.failures.append(f"not every user had logged in after {LOGIN_SECONDS:.0f} s")
        runner.quit()

    runner.start(options.users, spawn_rate=options.users)
    gevent.spawn(stop_after_the_window)
    runner.greenlet.join()
    json.dump(
        {
            "users": options.users,
            "seconds": window[0] if window else 0.0,
            "times": measured.times,
            "page_errors": measured.page_errors,
            "failures": measured.failures,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
