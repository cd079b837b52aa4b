"""The state machine as an inline SVG, generated from the item spec (no graphviz needed).

States sit on one row in workflow order; forward transitions arc above, backward ones below,
so the picture stays readable at any width (the SVG scales with its viewBox).
"""
from __future__ import annotations

from html import escape

from workflow.i18n import gettext as _
from workflow.item_spec import ITEM_SPEC
from workflow.spec import WorkflowSpec

BOX_W, BOX_H, GAP, TOP = 120, 46, 60, 170


def state_diagram_svg(spec: WorkflowSpec = ITEM_SPEC, current: str | None = None) -> str:
    """An SVG of ``spec``'s machine; ``current`` is highlighted. Labels are translated, text is escaped."""
    states = list(spec.state_values)
    x_of = {state: 20 + i * (BOX_W + GAP) for i, state in enumerate(states)}
    width = 20 + len(states) * (BOX_W + GAP) - GAP + 20
    height = TOP * 2 + BOX_H
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="state-diagram" '
             f'role="img" aria-label="{escape(_("事项状态流转图"))}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6c757d"/></marker></defs>']
    forward_level: dict[int, int] = {}
    backward_level: dict[int, int] = {}
    for source, dest, triggers in spec.edges():
        si, di = states.index(source), states.index(dest)
        span = abs(di - si)
        forward = di > si
        levels = forward_level if forward else backward_level
        levels[span] = levels.get(span, 0) + 1
        lift = 28 + span * 22 + (levels[span] - 1) * 14
        x1 = x_of[source] + BOX_W / 2 + (12 if forward else -12)
        x2 = x_of[dest] + BOX_W / 2 + (-12 if forward else 12)
        if forward:
            y = TOP
            cy = y - lift * 2
        else:
            y = TOP + BOX_H
            cy = y + lift * 2
        path = f"M{x1:.0f},{y} Q{(x1 + x2) / 2:.0f},{cy:.0f} {x2:.0f},{y}"
        label_y = (y + cy) / 2 + (-4 if forward else 12)
        parts.append(f'<path d="{path}" fill="none" stroke="#6c757d" stroke-width="1.5" marker-end="url(#arrow)"/>')
        parts.append(f'<text x="{(x1 + x2) / 2:.0f}" y="{label_y:.0f}" text-anchor="middle" font-size="13" '
                     f'fill="#343a40" paint-order="stroke" stroke="#fff" stroke-width="4">'
                     f'{escape(" / ".join(spec.trigger_label(t) for t in triggers))}</text>')
    for state in states:
        active = state == current
        fill, stroke, colour = ("#0d6efd", "#0a58ca", "#fff") if active else ("#f8f9fa", "#adb5bd", "#212529")
        x = x_of[state]
        parts.append(f'<g class="state{" current" if active else ""}" data-state="{state}">'
                     f'<rect x="{x}" y="{TOP}" width="{BOX_W}" height="{BOX_H}" rx="10" fill="{fill}" '
                     f'stroke="{stroke}" stroke-width="{3 if active else 1.5}"/>'
                     f'<text x="{x + BOX_W / 2:.0f}" y="{TOP + BOX_H / 2 + 5:.0f}" text-anchor="middle" '
                     f'font-size="15" font-weight="600" fill="{colour}">{escape(spec.state_label(state))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
