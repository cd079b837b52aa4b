"""Layout checks any browser test can reuse (issue 16, 「On a phone」): nothing in the main content runs
past the right edge of the window, and the controls a person taps are big enough to hit.

    from tests.browser.layout_checks import assert_no_horizontal_overflow, assert_touch_targets
    assert_no_horizontal_overflow(page)
    assert_touch_targets(page, "#decision-panel .form-check-label, #decision-panel button[type=submit]")

Both read the rendered page (getBoundingClientRect) in the page's current viewport, so call them after
the page has loaded at the size being tested. Hidden elements (display:none, zero size, visibility
hidden, inside a closed <details>) are skipped: they take no room and cannot be tapped.
"""
from __future__ import annotations

from typing import Any

#: Visible elements of ``root`` whose right edge passes the viewport, described for the failure message.
_OVERFLOWING = """(root) => {
  const width = window.innerWidth;
  const found = [];
  const scope = document.querySelector(root);
  if (!scope) { return ["no element matches " + root]; }
  for (const el of [scope, ...scope.querySelectorAll("*")]) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) { continue; }
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.position === "fixed") { continue; }
    if (box.right > width + 0.5) {
      const id = el.id ? "#" + el.id : "";
      const cls = el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      found.push(`${el.tagName.toLowerCase()}${id}${cls} right=${Math.round(box.right)} ` +
                 `"${(el.innerText || "").trim().slice(0, 30)}"`);
    }
  }
  return found;
}"""

#: Visible elements matching ``selector`` with their size.
_SIZES = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => { const b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0
                    && getComputedStyle(el).visibility !== "hidden"; })
  .map((el) => { const b = el.getBoundingClientRect();
                 return {what: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${(el.innerText || el.value || "").trim().slice(0, 20)}"`,
                         width: b.width, height: b.height}; })"""


def horizontal_overflow(page: Any, root: str = "main") -> list[str]:
    """What runs past the right edge: the document itself when it scrolls sideways, then each visible
    element under ``root`` whose right edge passes the window (empty when the page fits)."""
    found = []
    scroll_width, inner_width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    if scroll_width > inner_width:
        found.append(f"the page scrolls sideways: scrollWidth {scroll_width} > innerWidth {inner_width}")
    return found + page.evaluate(_OVERFLOWING, root)


def assert_no_horizontal_overflow(page: Any, root: str = "main") -> None:
    """Fail when the page scrolls sideways or any visible element of ``root`` (default <main>) passes the
    window's right edge; the message lists the first offenders."""
    found = horizontal_overflow(page, root)
    assert not found, f"{page.url} overflows at width {page.viewport_size['width']}:\n  " + "\n  ".join(found[:15])


def small_touch_targets(page: Any, selector: str, minimum: float = 44) -> list[str]:
    """The visible elements matching ``selector`` smaller than ``minimum`` CSS pixels in either dimension."""
    return [f"{size['what']} {size['width']:.0f}×{size['height']:.0f}"
            for size in page.evaluate(_SIZES, selector)
            if size["width"] < minimum - 0.5 or size["height"] < minimum - 0.5]


def assert_touch_targets(page: Any, selector: str, minimum: float = 44, expect_some: bool = True) -> None:
    """Fail when a visible element matching ``selector`` is smaller than ``minimum`` px wide or high, or
    (``expect_some``) when none is visible at all — a selector that matches nothing proves nothing."""
    if expect_some:
        assert page.evaluate(_SIZES, selector), f"no visible element matches {selector!r} on {page.url}"
    small = small_touch_targets(page, selector, minimum)
    assert not small, f"touch targets under {minimum} px on {page.url}:\n  " + "\n  ".join(small)
