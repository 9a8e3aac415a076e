"""The HTML report: one self-contained page (inline CSS and SVG, no script, no network).

Per scenario: its verdict, the expectations with measured and expected values (failures first, with
the fault window they fell in), latency over time per tool with fault windows shaded, calls and errors
per tool, and the timeline of steps.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

from harness.report.model import RunReport, ScenarioReport
from harness.report.svg import errors_chart, latency_chart, legend, tool_colours

COLOURS = {"pass": "#1a7f37", "fail": "#cf222e", "error": "#9a6700", "skip": "#57606a"}
CSS = """
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:980px;color:#1f2328;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin:0}h3{font-size:14px;margin:18px 0 6px}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:1px 8px;font-size:13px;font-weight:600}
section.scenario{border:1px solid #d0d7de;border-radius:6px;padding:14px 18px;margin:18px 0}
table{border-collapse:collapse;font-size:13px;width:100%}td,th{border-bottom:1px solid #eaeef2;
padding:4px 6px;text-align:left;vertical-align:top}th{background:#f6f8fa}
.held{color:#1a7f37}.broken{color:#cf222e;font-weight:600}.muted{color:#57606a;font-size:12px}
.legend{font-size:12px;margin:4px 0}.key{margin-right:14px}.fault-key{color:#cf222e}
nav a{margin-right:10px;text-decoration:none}.error{background:#fff8c5;padding:6px 10px;border-radius:4px}
svg text{font-family:system-ui,sans-serif;fill:#1f2328}
"""


def badge(verdict: str) -> str:
    return f'<span class="badge" style="background:{COLOURS.get(verdict, "#57606a")}">{verdict}</span>'


def expectations_table(s: ScenarioReport) -> str:
    rows = []
    for e in sorted(s.expectations, key=lambda e: e.held):
        mark = '<span class="held">✓</span>' if e.held else '<span class="broken">✗</span>'
        why = html.escape(e.detail) + (
            f'<div class="muted">during {html.escape(e.window)}</div>' if e.window else ""
        )
        rows.append(f"<tr><td>{mark}</td><td>{html.escape(e.name)}</td><td>{html.escape(e.measured)}</td>"
                    f"<td>{html.escape(e.expected)}</td><td>{why}</td></tr>")  # fmt: skip
    if not rows:
        return '<p class="muted">no expectation was judged</p>'
    head = "<tr><th></th><th>expectation</th><th>measured</th><th>expected</th><th>why</th></tr>"
    return f'<table class="expectations">{head}{"".join(rows)}</table>'


def timeline_table(s: ScenarioReport) -> str:
    rows = "".join(f"<tr><td>{t:.2f} s</td><td>{html.escape(text)}</td></tr>" for t, text in s.timeline)
    faults = "".join(
        f"<tr><td>{w.start:.2f}–{w.end:.2f} s</td><td>{html.escape(w.kind)} on {html.escape(w.target)}"
        f" ({html.escape(w.name)})</td></tr>"
        for w in s.windows
    )
    steps = f'<table class="timeline"><tr><th>at</th><th>step</th></tr>{rows}</table>'
    if not faults:
        return steps
    return steps + f"<h3>Fault windows</h3><table><tr><th>when</th><th>fault</th></tr>{faults}</table>"


def scenario_section(s: ScenarioReport) -> str:
    log = html.escape(rel_log(s.log))
    link = f' · services\' log: <a href="{log}">{log}</a>' if s.log else ""
    source = f" · {html.escape(s.source)}" if s.source else ""
    parts = [
        f'<section class="scenario" id="{html.escape(s.name)}">',
        f"<h2>{badge(s.verdict)} {html.escape(s.name)}</h2>",
        f'<p class="muted">{s.duration_s:.1f} s · seed {s.seed}{source}{link}</p>',
    ]
    if s.description:
        parts.append(f"<p>{html.escape(s.description)}</p>")
    if s.error:
        parts.append(f'<p class="error">could not be judged: {html.escape(s.error)}</p>')
    parts.append("<h3>Expectations</h3>" + expectations_table(s))
    if s.calls:
        colours = tool_colours(s.calls)
        parts.append(
            "<h3>Latency over time per tool</h3>"
            + legend(colours)
            + latency_chart(s.calls, s.windows, colours)
        )
        parts.append("<h3>Calls and errors per tool</h3>" + errors_chart(s.calls, colours))
    parts.append("<h3>Timeline</h3>" + timeline_table(s) + "</section>")
    return "\n".join(parts)


def rel_log(path: str | None) -> str:
    if not path:
        return ""
    p = Path(path)
    return f"logs/{p.name}" if p.parent.name == "logs" else str(p)


def render(report: RunReport) -> str:
    verdict = "pass" if report.passed else "fail"
    counts = ", ".join(f"{n} {v}" for v, n in report.counts().items() if n)
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(report.started_at))
    nav = " ".join(f'<a href="#{html.escape(s.name)}" style="color:{COLOURS[s.verdict]}">{html.escape(s.name)}</a>'
                   for s in report.scenarios)  # fmt: skip
    sections = "\n".join(scenario_section(s) for s in report.scenarios)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(report.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><h1>{badge(verdict)} {html.escape(report.title)}</h1>
<p class="muted">{counts} in {report.duration_s:.1f} s · started {when}</p>
<nav>{nav}</nav>
{sections}
</body></html>
"""


def write_html(report: RunReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report), encoding="utf-8")
