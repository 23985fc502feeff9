"""Bulk writes in one statement per table, whatever the number of rows.

Django's bulk_update writes one `CASE WHEN id = … THEN …` per field per
batch: PostgreSQL then searches the CASE for every row, so updating n rows
costs n², and building the expressions is slow in Python too (an unchanged
re-sync of 10,000 numbers took 83 s that way, 1,000 took 4 s). Its
bulk_create sends one parameter per value, so it is cut into batches. On
PostgreSQL these helpers instead send each column as one array parameter
and read the rows back with `unnest(...)`: one statement and one pass,
however many rows, so the queries of a sync do not grow with the number of
ExoPhones. Elsewhere (SQLite, the local run) Django's own methods are used,
batched under SQLite's variable limit.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Field, Model


def _arrays(columns: Sequence[Field]) -> str:
    return ", ".join(f"%s::{field.cast_db_type(connection)}[]" for field in columns)


def _values(objs: Sequence[Model], columns: Sequence[Field]) -> list[list[object]]:
    return [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objs]
        for field in columns
    ]


def bulk_update_rows(objs: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of `objs` (saved instances of one model)."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, fields)
        return
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    names = ", ".join(quote(field.column) for field in columns)
    assignments = ", ".join(
        f"{quote(field.column)} = v.{quote(field.column)}" for field in columns[1:]
    )
    pk = quote(meta.pk.column)
    # Identifiers come from the model and are quoted; values go as parameters.
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM unnest({_arrays(columns)}) AS v({names}) WHERE t.{pk} = v.{pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _values(objs, columns))


def bulk_insert_rows(objs: Sequence[Model]) -> None:
    """Insert new instances of one model and set their primary keys."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs)
        return
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [field for field in meta.concrete_fields if field is not meta.pk]
    names = ", ".join(quote(field.column) for field in columns)
    # INSERT … SELECT returns the rows in the order the SELECT produced them,
    # which ORDER BY pins to the arrays' order (as Django's bulk_create relies
    # on for its multi-row VALUES).
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {names} FROM unnest({_arrays(columns)}) WITH ORDINALITY AS v({names}, n) "
        f"ORDER BY n RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _values(objs, columns))
        keys = [row[0] for row in cursor.fetchall()]
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias
