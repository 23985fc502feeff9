"""The SVG charts' shapes (numbers.reports.charts): each currency on its own
scale, in its own colour."""

from datetime import date
from decimal import Decimal

from exoinventory.numbers.reports.charts import (
    BAR_AREA,
    PALETTE,
    bar_chart,
    currency_colours,
    line_chart,
)


def test_each_currency_has_its_colour_the_same_on_every_chart() -> None:
    assert currency_colours(["USD", "INR", "USD"]) == {"INR": PALETTE[0], "USD": PALETTE[1]}


def test_bars_are_scaled_within_their_currency_largest_first() -> None:
    colours = currency_colours(["INR", "USD"])

    chart = bar_chart(
        [
            ("Mumbai", "INR", Decimal("500")),
            ("Delhi", "INR", Decimal("1000")),
            ("Delhi", "USD", Decimal("10")),
            ("Kolkata", "INR", Decimal("0")),
        ],
        colours,
    )

    shown = [(bar.label, bar.currency, bar.width, bar.colour) for bar in chart.bars]
    assert shown == [
        ("Delhi", "INR", BAR_AREA, PALETTE[0]),
        ("Mumbai", "INR", BAR_AREA // 2, PALETTE[0]),
        ("Kolkata", "INR", 0, PALETTE[0]),
        ("Delhi", "USD", BAR_AREA, PALETTE[1]),  # ten dollars are not ten rupees
    ]
    assert [heading.text for heading in chart.headings] == [
        "Monthly rental in INR",
        "Monthly rental in USD",
    ]
    assert chart.bars[0].amount_text == "INR 1,000.00"
    assert [bar.y for bar in chart.bars] == sorted(bar.y for bar in chart.bars)
    assert chart.height > chart.bars[-1].y


def test_a_line_per_currency_on_shared_months_each_on_its_own_scale() -> None:
    colours = currency_colours(["INR", "USD"])
    months = [date(2026, month, 1) for month in (9, 10, 11)]

    chart = line_chart(
        [
            (months[0], "INR", Decimal("100")),
            (months[1], "INR", Decimal("200")),
            (months[2], "INR", Decimal("200")),
            (months[2], "USD", Decimal("5")),
        ],
        colours,
    )

    inr, usd = chart.lines
    assert [tick.text for tick in chart.months] == ["Sep 26", "Oct 26", "Nov 26"]
    assert [point.x for point in inr.points] == [tick.x for tick in chart.months]
    assert inr.points[1].y == inr.top_y  # the largest reaches the top
    assert inr.points[0].y == (inr.axis_y + inr.top_y) // 2
    assert usd.points[0].x == chart.months[2].x
    assert usd.points[0].y == usd.top_y
    assert usd.largest_text == "USD 5.00"
    assert inr.polyline.count(",") == 3
    assert usd.heading_y > inr.axis_y


def test_no_rows_draw_nothing() -> None:
    assert bar_chart([], {}).bars == []
    assert line_chart([], {}).lines == []
