"""Geometry of the server-drawn SVG charts: the templates draw these shapes.

No script and nothing from another host, so a strict Content-Security-Policy
holds. Amounts in different currencies are never drawn on one scale: each
currency has its own panel, scaled to its own largest amount, in its own
colour.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from exoinventory.numbers.admin.display import money

# Distinct on light and dark backgrounds; the admin's own blue first.
PALETTE = ("#417690", "#c77800", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#546e7a")

WIDTH = 720
LABEL_WIDTH = 170  # circle names on the left
BAR_AREA = 380
ROW_HEIGHT = 22
BAR_HEIGHT = 16
HEADING_HEIGHT = 26
LEGEND_HEIGHT = 28


def currency_colours(currencies: Iterable[str]) -> dict[str, str]:
    """One colour per currency, the same on every chart of a page."""
    return {
        currency: PALETTE[i % len(PALETTE)] for i, currency in enumerate(sorted(set(currencies)))
    }


@dataclass(frozen=True)
class LegendEntry:
    currency: str
    colour: str
    x: int


def _legend(colours: dict[str, str]) -> list[LegendEntry]:
    return [LegendEntry(c, colour, 10 + i * 90) for i, (c, colour) in enumerate(colours.items())]


@dataclass(frozen=True)
class Heading:
    text: str
    y: int
    colour: str


@dataclass(frozen=True)
class Bar:
    label: str
    amount_text: str
    currency: str
    colour: str
    y: int
    width: int

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 4

    @property
    def amount_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    legend: list[LegendEntry]
    headings: list[Heading]
    bars: list[Bar]


def _scaled(amount: Decimal, largest: Decimal, span: int) -> int:
    if largest <= 0:
        return 0
    return max(1, round(amount / largest * span)) if amount > 0 else 0


def bar_chart(amounts: Iterable[tuple[str, str, Decimal]], colours: dict[str, str]) -> BarChart:
    """Horizontal bars from (label, currency, amount): a panel per currency,
    bars largest first."""
    per_currency: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for label, currency, amount in amounts:
        per_currency[currency].append((label, amount))
    headings, bars = [], []
    y = LEGEND_HEIGHT
    for currency in sorted(per_currency):
        rows = sorted(per_currency[currency], key=lambda row: (-row[1], row[0]))
        largest = rows[0][1]
        y += HEADING_HEIGHT
        headings.append(Heading(f"Monthly rental in {currency}", y - 8, colours[currency]))
        for label, amount in rows:
            bars.append(
                Bar(
                    label=label,
                    amount_text=money(amount, currency),
                    currency=currency,
                    colour=colours[currency],
                    y=y,
                    width=_scaled(amount, largest, BAR_AREA),
                )
            )
            y += ROW_HEIGHT
    return BarChart(
        width=WIDTH,
        height=y + 6,
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        legend=_legend(colours),
        headings=headings,
        bars=bars,
    )


PANEL_HEIGHT = 130
PLOT_LEFT = 120
PLOT_WIDTH = 560
PLOT_TOP = 30  # within a panel, below its heading


@dataclass(frozen=True)
class Point:
    x: int
    y: int
    month: date
    amount_text: str


@dataclass(frozen=True)
class Line:
    currency: str
    colour: str
    heading_y: int
    axis_y: int  # the panel's zero line
    top_y: int  # the panel's largest amount
    largest_text: str
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)


@dataclass(frozen=True)
class MonthTick:
    x: int
    text: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    legend: list[LegendEntry]
    lines: list[Line]
    months: list[MonthTick]
    months_y: int


def line_chart(points: Iterable[tuple[date, str, Decimal]], colours: dict[str, str]) -> LineChart:
    """A line per currency through (month, currency, amount), each in a panel
    of its own scale, the months shared along the bottom."""
    per_currency: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for month, currency, amount in points:
        per_currency[currency][month] = amount
    months = sorted({month for series in per_currency.values() for month in series})
    step = PLOT_WIDTH / max(1, len(months) - 1)
    x_of = {month: PLOT_LEFT + round(i * step) for i, month in enumerate(months)}
    lines = []
    top = LEGEND_HEIGHT
    for currency in sorted(per_currency):
        series = per_currency[currency]
        largest = max(series.values())
        axis_y = top + PANEL_HEIGHT - 30  # room below for the next heading
        span = axis_y - (top + PLOT_TOP)
        lines.append(
            Line(
                currency=currency,
                colour=colours[currency],
                heading_y=top + 12,
                axis_y=axis_y,
                top_y=top + PLOT_TOP,
                largest_text=money(largest, currency),
                points=[
                    Point(
                        x=x_of[month],
                        y=axis_y - _scaled(series[month], largest, span),
                        month=month,
                        amount_text=money(series[month], currency),
                    )
                    for month in sorted(series)
                ],
            )
        )
        top += PANEL_HEIGHT
    return LineChart(
        width=WIDTH,
        height=top + 24,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_LEFT + PLOT_WIDTH,
        legend=_legend(colours),
        lines=lines,
        months=[MonthTick(x_of[month], month.strftime("%b %y")) for month in months],
        months_y=top + 14,
    )
