"""Geometry of the outage timelines: templates/reports/outage_lanes.html
draws these shapes, one SVG per number with a lane per direction.

Each stretch of a lane is a bar in its status's colour (the badges' classes,
admin.display.status_class) and, but for active, a pattern over it, defined
once per page by templates/reports/outage_legend.html: no status is told
apart by colour alone. Every bar names its status, times and duration on
hover. No script, so a strict Content-Security-Policy holds.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from exoinventory.numbers.admin.display import (
    duration_text,
    local_time_text,
    status_class,
    status_label,
)
from exoinventory.numbers.models import Direction
from exoinventory.numbers.selectors.outage_rules import LanePiece, OutageWindow

WIDTH = 430
PLOT_LEFT = 58  # lane labels on the left
PLOT_WIDTH = 362
LANE_HEIGHT = 14
LANE_GAP = 5
TICKS_HEIGHT = 16
MIN_BAR_WIDTH = 1.5  # a short outage stays visible
MOST_TICKS = 7

LANE_LABELS = {Direction.INCOMING: "Incoming", Direction.OUTGOING: "Outgoing"}
# The pattern drawn over a status's colour (ids in outage_legend.html).
PATTERNS = {
    "exo-status-partial-network-outage": "outage-hatch",
    "exo-status-major-outage": "outage-cross",
    "exo-status-other": "outage-lines",
    "exo-status-no-data": "outage-dots",
}
CALM = ("exo-status-active", "exo-status-no-data")
TICK_STEPS = [
    timedelta(hours=hours) for hours in (1, 2, 3, 6, 12, 24, 48, 7 * 24, 14 * 24, 28 * 24, 56 * 24)
]


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    css_class: str
    pattern: str | None
    title: str


@dataclass(frozen=True)
class Lane:
    label: str
    y: int
    bars: list[Bar]

    @property
    def text_y(self) -> int:
        return self.y + LANE_HEIGHT - 3


@dataclass(frozen=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    plot_left: int
    plot_right: int
    lane_height: int
    lanes: list[Lane]
    ticks: list[Tick]
    lanes_bottom: int
    ticks_y: int | None  # where the tick labels stand; None: unlabelled

    @property
    def description(self) -> str:
        return "Status over the window: " + ", ".join(lane.label.lower() for lane in self.lanes)


def _x(moment: datetime, window: OutageWindow) -> float:
    share = (moment - window.since) / (window.until - window.since)
    return PLOT_LEFT + share * PLOT_WIDTH


def _bar(piece: LanePiece, window: OutageWindow) -> Bar:
    x = _x(piece.start, window)
    css_class = status_class(piece.status)
    ends = local_time_text(piece.end)
    return Bar(
        x=round(x, 2),
        width=round(max(_x(piece.end, window) - x, MIN_BAR_WIDTH), 2),
        css_class=css_class,
        pattern=PATTERNS.get(css_class),
        title=(
            f"{status_label(piece.status)}: {local_time_text(piece.start)} to {ends}"
            f" ({duration_text(piece.end - piece.start)})"
        ),
    )


def _ticks(window: OutageWindow) -> list[Tick]:
    """Round local times across the window, at most MOST_TICKS: hours
    ("14:00", a day's midnight as "22 Nov") or days ("22 Nov")."""
    span = window.until - window.since
    step = next((s for s in TICK_STEPS if span / s <= MOST_TICKS), TICK_STEPS[-1])
    local = timezone.localtime(window.since).replace(minute=0, second=0, microsecond=0)
    if step >= timedelta(days=1):
        local = local.replace(hour=0)
    hours = int(step.total_seconds() // 3600)
    while local < window.since or (hours < 24 and local.hour % hours):
        local += timedelta(hours=1) if hours < 24 else timedelta(days=1)
    ticks = []
    while local < window.until:
        text = f"{local:%H:%M}" if hours < 24 and local.hour else f"{local:%-d %b}"
        ticks.append(Tick(x=round(_x(local, window), 2), text=text))
        local += step
    return ticks


def timeline(
    lanes: dict[str, list[LanePiece]], *, window: OutageWindow, labelled: bool = False
) -> Timeline:
    """A lane per direction (of `lanes`, from NumberOutages.lanes); with
    `labelled`, the times under them."""
    drawn = []
    y = 2
    for direction, pieces in lanes.items():
        bars = [_bar(piece, window) for piece in pieces]
        # Outages last, so that a narrow one is not hidden under its neighbour.
        bars.sort(key=lambda bar: bar.css_class not in CALM)
        drawn.append(Lane(label=LANE_LABELS.get(direction, direction), y=y, bars=bars))
        y += LANE_HEIGHT + LANE_GAP
    lanes_bottom = max(y - LANE_GAP, 0)
    height = lanes_bottom + (TICKS_HEIGHT if labelled else 2)
    return Timeline(
        width=WIDTH,
        height=height,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_LEFT + PLOT_WIDTH,
        lane_height=LANE_HEIGHT,
        lanes=drawn,
        ticks=_ticks(window),
        lanes_bottom=lanes_bottom,
        ticks_y=lanes_bottom + TICKS_HEIGHT - 3 if labelled else None,
    )
