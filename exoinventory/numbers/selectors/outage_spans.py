"""Outage spans in SQL, for selectors.outages' queries.

A run's status holds from its first observation until the next observation
of that number and direction, but never longer than the account's
`fresh_for` after its last observation (selectors.freshness: later, the
number's status was already "no data"), never past now, and never past the
number's release: that is the run's *span* (DESIGN.md "Sync semantics" 3
and 5; issue 9). A run observed once therefore lasts until the next
observation when that came within `fresh_for`. Whatever of the window no
span covers is "no data", never assumed up or down. `fresh_for` is the
account's as of now.

Spans are computed by the database from the runs that overlap the window
(`LEAD` over each number and direction, `fresh_for` per account by `CASE`).
"""

from typing import Any

from django.db.models.expressions import RawSQL

from exoinventory.numbers.models import ConnectivityRun, ExoPhone
from exoinventory.numbers.selectors.freshness import Freshness
from exoinventory.numbers.selectors.outage_rules import ACTIVE, OutageWindow

RUNS = ConnectivityRun._meta.db_table
PHONES = ExoPhone._meta.db_table

# SQL_NOTE: the SQL here and in selectors.outages is put together from the
# modules' own text, table names and the ORM's compiled SQL (with its
# parameters kept apart); every value is a query parameter, never part of
# the text.
Sql = tuple[str, list[Any]]


def _fresh_for_sql(freshness: Freshness) -> Sql:
    """Each account's fresh_for, for the run's number `e`."""
    default = freshness.cadence(None).fresh_for
    if not freshness.cadences:
        return "%s", [default]
    whens = " ".join("WHEN %s THEN %s" for _ in freshness.cadences)
    params = [
        value for pk, cadence in freshness.cadences.items() for value in (pk, cadence.fresh_for)
    ]
    return f"CASE e.account_id {whens} ELSE %s END", [*params, default]


def spans_sql(
    *, window: OutageWindow, freshness: Freshness, directions: list[str], of_numbers: str = ""
) -> Sql:
    """The spans that overlap the window, of the numbers whose ids the SQL
    `of_numbers` selects (all numbers without it): each run with `ends_at`,
    its span's end, and `starts`/`ends`, its span clipped to the window.

    A run ends its span by `fresh_for` at the latest, so older runs cannot
    reach the window; the next run of one that does is in the same set, or
    starts after the window, where it no longer matters.
    """
    fresh_for, fresh_params = _fresh_for_sql(freshness)
    longest = max(
        [freshness.cadence(None).fresh_for, *(c.fresh_for for c in freshness.cadences.values())]
    )
    numbers = f"r.exophone_id IN ({of_numbers}) AND" if of_numbers else ""
    sql = f"""
        SELECT s.*, GREATEST(s.first_observed_at, %s) AS starts, LEAST(s.ends_at, %s) AS ends
        FROM (
            SELECT r.exophone_id, r.direction, r.status, r.is_current,
                   r.first_observed_at, r.last_observed_at,
                   LEAST(
                       LEAD(r.first_observed_at) OVER (
                           PARTITION BY r.exophone_id, r.direction ORDER BY r.first_observed_at
                       ),
                       r.last_observed_at + {fresh_for},
                       %s,
                       e.released_at
                   ) AS ends_at
            FROM {RUNS} r JOIN {PHONES} e ON e.id = r.exophone_id
            WHERE {numbers} r.direction = ANY(%s)
              AND r.last_observed_at > %s AND r.first_observed_at < %s
        ) s
        WHERE s.ends_at > %s
    """  # noqa: S608 - see SQL_NOTE
    params = [
        window.since,
        window.until,
        *fresh_params,
        window.now,
        directions,
        window.since - longest,
        window.until,
        window.since,
    ]
    return sql, params


def numbers_with_incident(
    *, window: OutageWindow, freshness: Freshness, directions: list[str], status: str | None
) -> RawSQL:
    """Ids of the numbers with an incident (of `status`) in the window."""
    spans, params = spans_sql(window=window, freshness=freshness, directions=directions)
    sql = f"SELECT spans.exophone_id FROM ({spans}) spans WHERE spans.status <> %s"  # noqa: S608
    params.append(ACTIVE)
    if status is not None:
        sql += " AND spans.status = %s"
        params.append(status)
    return RawSQL(sql, params)  # noqa: S611 - see SQL_NOTE
