"""The Trend section's charts: inline SVG drawn here, from the document's ``trend`` (``--history``).

Why SVG written by hand: the page loads nothing and runs no script but its one hashed block (strict CSP), so a
chart library is out; SVG markup is static content the CSP allows. Colours are presentation attributes, not
``style`` attributes (which the CSP's style-src would block), and each series differs by dash or pattern as well
as by colour. Every chart is ``role="img"`` with a title and a description, and the section's table holds the
same numbers for screen readers. The drawing scales with the page (viewBox, width 100%): readable at 800 px.

Runs are spaced evenly in the order recorded; the first and last are dated on the axis. Every string drawn is
escaped (markupsafe): a scope or account name is attacker-controlled text like any other in the report.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from auditor.findings import TrendPoint

WIDTH, HEIGHT = 760, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 28, 34
VERDICTS = (("migrated", "#2e7d32"), ("ready", "#1565c0"), ("needs-review", "#b26a00"), ("blocked", "#c62828"))
LINES = (("IAM users", "iam_users", "#1565c0", ""), ("active access keys", "active_access_keys", "#c62828", "6 4"))


def users_and_keys(points: Sequence[TrendPoint], chart_id: str = "trend-users") -> Markup:
    """IAM users and active access keys per run: two lines, broken where a run's count is unknown."""
    series = [(label, [getattr(p, field) for p in points], colour, dash) for label, field, colour, dash in LINES]
    top = _nice(max((v for _, values, _, _ in series for v in values if v is not None), default=0))
    body = [_axes(points, top)]
    for label, values, colour, dash in series:
        for run in _runs(values):
            coords = " ".join(f"{_x(i, len(points)):.1f},{_y(v, top):.1f}" for i, v in run)
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5"{dashed}/>')
        for i, value in enumerate(values):
            if value is not None:
                body.append(
                    f'<circle cx="{_x(i, len(points)):.1f}" cy="{_y(value, top):.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(label)} {value}, {_date(points[i])}</title></circle>"
                )
    body.append(_legend([(label, colour, dash) for label, _, colour, dash in LINES]))
    first, last = points[0], points[-1]
    description = (
        f"IAM users {_text(first.iam_users)} to {_text(last.iam_users)}, active access keys "
        f"{_text(first.active_access_keys)} to {_text(last.active_access_keys)}, from {_date(first)} to {_date(last)}."
    )
    return _svg(chart_id, "IAM users and active access keys per run", description, body)


def verdicts(points: Sequence[TrendPoint], chart_id: str = "trend-verdicts") -> Markup:
    """Accounts by readiness verdict per run, stacked: the migration burndown. A run without readiness: no bar."""
    top = _nice(max((sum((p.readiness or {}).values()) for p in points), default=0))
    body = [_axes(points, top)]
    width = _bar_width(len(points))
    for i, point in enumerate(points):
        if point.readiness is None:
            continue
        base = 0
        for verdict, colour in VERDICTS:
            count = point.readiness.get(verdict, 0)
            if not count:
                continue
            y_top, y_bottom = _y(base + count, top), _y(base, top)
            body.append(
                f'<rect x="{_x(i, len(points)) - width / 2:.1f}" y="{y_top:.1f}" width="{width:.1f}" '
                f'height="{y_bottom - y_top:.1f}" fill="{colour}"><title>{escape(verdict)} {count}, '
                f"{_date(point)}</title></rect>"
            )
            base += count
    body.append(_legend([(verdict, colour, "") for verdict, colour in VERDICTS], boxes=True))
    last = points[-1].readiness or {}
    description = "Latest run: " + (", ".join(f"{n} {v}" for v, n in last.items()) or "no readiness verdicts") + "."
    return _svg(chart_id, "Accounts by readiness verdict per run", description, body)


def new_and_fixed(points: Sequence[TrendPoint], chart_id: str = "trend-findings") -> Markup:
    """New findings (up, red) and fixed ones (down, green, hatched by a lighter fill) per run, around zero."""
    top = _nice(max((max(p.new or 0, p.fixed or 0) for p in points), default=0))
    middle = TOP + (HEIGHT - TOP - BOTTOM) / 2
    half = (HEIGHT - TOP - BOTTOM) / 2
    width = _bar_width(len(points))
    body = [
        _frame(points),
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{middle:.1f}" y2="{middle:.1f}" stroke="#555"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="11">+{top}</text>',
        f'<text x="{LEFT - 6}" y="{middle + 4:.1f}" text-anchor="end" font-size="11">0</text>',
        f'<text x="{LEFT - 6}" y="{HEIGHT - BOTTOM + 4}" text-anchor="end" font-size="11">-{top}</text>',
    ]
    for i, point in enumerate(points):
        x = _x(i, len(points)) - width / 2
        if point.new:
            h = half * point.new / top
            body.append(
                f'<rect x="{x:.1f}" y="{middle - h:.1f}" width="{width:.1f}" height="{h:.1f}" fill="#c62828">'
                f"<title>new {point.new}, {_date(point)}</title></rect>"
            )
        if point.fixed:
            h = half * point.fixed / top
            body.append(
                f'<rect x="{x:.1f}" y="{middle:.1f}" width="{width:.1f}" height="{h:.1f}" fill="#2e7d32" '
                f'fill-opacity="0.7"><title>fixed {point.fixed}, {_date(point)}</title></rect>'
            )
    body.append(_legend([("new (up)", "#c62828", ""), ("fixed (down)", "#2e7d32", "")], boxes=True))
    new = sum(p.new or 0 for p in points)
    fixed = sum(p.fixed or 0 for p in points)
    description = f"{new} findings new and {fixed} fixed over {len(points)} runs."
    return _svg(chart_id, "New and fixed findings per run", description, body)


# --------------------------------------------------------------------------------------------- drawing


def _svg(chart_id: str, title: str, description: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="trend-chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="sans-serif">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _frame(points: Sequence[TrendPoint]) -> str:
    """The x axis: the first and the last run's dates."""
    base = HEIGHT - BOTTOM
    return (
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" stroke="#999"/>'
        f'<text x="{LEFT}" y="{HEIGHT - 10}" font-size="11">{_date(points[0])}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 10}" font-size="11" text-anchor="end">{_date(points[-1])}</text>'
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{HEIGHT - 10}" font-size="11" text-anchor="middle">'
        f"{len(points)} runs</text>"
    )


def _axes(points: Sequence[TrendPoint], top: int) -> str:
    """The frame and a y axis from 0 to ``top`` with a gridline at the half."""
    parts = [_frame(points)]
    for value in (0, top // 2, top) if top else (0,):
        y = _y(value, top)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{value}</text>')
    return "".join(parts)


def _legend(items: list[tuple[str, str, str]], *, boxes: bool = False) -> str:
    parts, x = [], LEFT
    for label, colour, dash in items:
        if boxes:
            parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>')
        else:
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<line x1="{x}" x2="{x + 18}" y1="14" y2="14" stroke="{colour}" stroke-width="2.5"{dashed}/>')
        parts.append(f'<text x="{x + 22}" y="18" font-size="12">{escape(label)}</text>')
        x += 30 + 7 * len(label)
    return "".join(parts)


def _runs(values: list[int | None]) -> list[list[tuple[int, int]]]:
    """The stretches of known values: a line never bridges an unknown count."""
    runs: list[list[tuple[int, int]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((i, value))
    return [run for run in runs if run]


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT - 40
    return LEFT + 20 + (span * index / (count - 1) if count > 1 else span / 2)


def _y(value: float, top: int) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (value / top if top else 0)


def _bar_width(count: int) -> float:
    return max(1.0, min(28.0, (WIDTH - LEFT - RIGHT - 20) / max(count, 1) * 0.7))


def _nice(value: int) -> int:
    """The axis' top: the value rounded up to 1, 2 or 5 times a power of ten (at least 2, so the half is whole)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= max(value, 2):
                return step * factor
        step *= 10


def _date(point: TrendPoint) -> str:
    return point.scanned_at.strftime("%Y-%m-%d")


def _text(value: int | None) -> str:
    return "unknown" if value is None else str(value)
