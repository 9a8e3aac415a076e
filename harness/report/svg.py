"""Inline SVG charts for the HTML report: latency over time per tool with fault windows shaded, and
calls and errors per tool. Drawn here (about a hundred lines) rather than by an inlined chart library:
the report must open offline, and these two charts need nothing a library would add.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from html import escape

from harness.report.model import CallPoint, Window

PALETTE = ("#0969da", "#1a7f37", "#8250df", "#bf8700", "#0a7f86", "#bc4c00", "#6e7781", "#cf6ba9")
FAULT_FILL = "#cf222e"
WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 34
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def tool_colours(calls: list[CallPoint]) -> dict[str, str]:
    tools = sorted({c.tool for c in calls})
    return {tool: PALETTE[i % len(PALETTE)] for i, tool in enumerate(tools)}


def nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    return next(step * exponent for step in (1, 2, 2.5, 5, 10) if value <= step * exponent)


def text(x: float, y: float, body: str, size: int = 10, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>{escape(body)}</text>'


def svg_open(kind: str, height: int, label: str) -> str:
    size = f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"'
    return f'<svg class="chart {kind}" {size} role="img" aria-label="{label}">'


def fault_band(w: Window, x0: float, x1: float) -> str:
    tip = escape(f"{w.kind} on {w.target}, {w.start:.1f}–{w.end:.1f} s")
    box = f'x="{x0:.1f}" y="{TOP}" width="{x1 - x0:.1f}" height="{PLOT_H}"'
    band = f'<rect class="fault" {box} fill="{FAULT_FILL}" fill-opacity="0.13"><title>{tip}</title></rect>'
    return band + text(x0 + 3, TOP + 11, f"{w.kind} {w.target}", extra=f' style="fill:{FAULT_FILL}"')


def call_mark(c: CallPoint, cx: float, cy: float, colour: str) -> str:
    what = f"{c.tool} [{c.label}] {c.latency_ms:.1f} ms at {c.t:.2f} s" + (f" — {c.code}" if c.code else "")
    tip = f"<title>{escape(what)}</title>"
    if c.ok:
        return f'<circle class="call ok" cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}">{tip}</circle>'
    cross = f"M{cx - 4:.1f},{cy - 4:.1f}l8,8m-8,0l8,-8"
    return f'<path class="call failed" d="{cross}" stroke="{colour}" stroke-width="2">{tip}</path>'


def latency_chart(calls: list[CallPoint], windows: list[Window], colours: dict[str, str]) -> str:
    """Each call a dot at (start time, latency); failures as crosses; fault windows as shaded bands."""
    end = max([c.t + c.latency_ms / 1000 for c in calls] + [w.end for w in windows] + [1.0])
    top = nice_ceiling(max((c.latency_ms for c in calls), default=1.0) * 1.05)

    def x(t: float) -> float:
        return LEFT + t / end * PLOT_W

    def y(ms: float) -> float:
        return TOP + PLOT_H - ms / top * PLOT_H

    parts = [svg_open("latency", HEIGHT, "latency over time per tool")]
    parts += [fault_band(w, x(w.start), x(max(w.end, w.start + end / 300))) for w in windows]
    for i in range(5):
        value, line_y = top * i / 4, y(top * i / 4)
        grid = f'x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{line_y:.1f}" y2="{line_y:.1f}"'
        parts.append(f'<line {grid} stroke="#d0d7de" stroke-width="0.5"/>')
        parts.append(text(LEFT - 4, line_y + 3, f"{value:g}", anchor="end"))
    parts += [
        text(x(end * i / 5), HEIGHT - BOTTOM + 14, f"{end * i / 5:.1f}", anchor="middle") for i in range(6)
    ]
    parts.append(text(LEFT + PLOT_W / 2, HEIGHT - 4, "seconds since the timeline started", 11, "middle"))
    middle = TOP + PLOT_H / 2
    parts.append(text(12, middle, "latency ms", 11, "middle", f' transform="rotate(-90 12 {middle})"'))
    parts += [call_mark(c, x(c.t), y(c.latency_ms), colours[c.tool]) for c in calls]
    frame = f'x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}"'
    parts.append(f'<rect {frame} fill="none" stroke="#57606a"/></svg>')
    return "".join(parts)


def errors_chart(calls: list[CallPoint], colours: dict[str, str]) -> str:
    """One bar per tool: ok calls in the tool's colour, failures in red, labelled with their codes."""
    per_tool: dict[str, Counter[str]] = defaultdict(Counter)
    for c in calls:
        per_tool[c.tool]["ok" if c.ok else (c.code or "error")] += 1
    tools = sorted(per_tool)
    row, label_w, bar_w = 22, 210, WIDTH - 210 - 200
    height = TOP + row * max(1, len(tools)) + 8
    most = max((sum(c.values()) for c in per_tool.values()), default=1)
    parts = [svg_open("errors", height, "calls and errors per tool")]
    for i, tool in enumerate(tools):
        counts = per_tool[tool]
        ok = counts.get("ok", 0)
        failed = sum(counts.values()) - ok
        yy = TOP + i * row
        ok_w, bad_w = ok / most * bar_w, failed / most * bar_w
        parts.append(text(label_w - 6, yy + 13, tool, 11, "end"))
        ok_box = f'x="{label_w}" y="{yy + 3}" width="{ok_w:.1f}" height="14"'
        parts.append(f'<rect class="ok-bar" {ok_box} fill="{colours[tool]}"/>')
        if failed:
            bad_box = f'x="{label_w + ok_w:.1f}" y="{yy + 3}" width="{max(bad_w, 2):.1f}" height="14"'
            parts.append(f'<rect class="error-bar" {bad_box} fill="{FAULT_FILL}"/>')
        codes = ", ".join(f"{n} {code}" for code, n in counts.most_common() if code != "ok")
        parts.append(
            text(label_w + ok_w + bad_w + 6, yy + 13, f"{ok} ok" + (f", {codes}" if codes else ""), 11)
        )
    parts.append("</svg>")
    return "".join(parts)


def legend(colours: dict[str, str]) -> str:
    dot = '<svg width="10" height="10"><circle cx="5" cy="5" r="4" fill="{}"/></svg>'
    items = "".join(f'<span class="key">{dot.format(c)} {escape(t)}</span>' for t, c in colours.items())
    extra = '<span class="key">✕ failed call</span><span class="key fault-key">▮ fault window</span>'
    return f'<div class="legend">{items}{extra}</div>'
