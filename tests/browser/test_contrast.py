"""Colour contrast of the website and its chat widget, measured in a real browser (WCAG 2.x AA).

Headless Chromium computes the styles; a little JavaScript (LIBRARY below) reads them:

- text (1.4.3): every visible element with its own text, and the typed text and placeholder
  of the input: its `color` against the background behind it (its own and its ancestors'
  `background-color`, composited by alpha until an opaque one). 4.5:1, or 3:1 for large text
  (24 px, or 18.66 px and bold). A background image or gradient, or an opacity below 1, on
  the way is reported as such: the test fails rather than guess;
- controls (1.4.11): a button's or input's fill against what is around it, or, when the fill
  does not stand out (3:1), its border;
- focus (1.4.11 for the focus indicator): every element reached with Tab shows an outline
  (`:focus-visible`), and where the outline is painted it has 3:1 against the colours right
  around it (sampled on all four sides);
- the same for buttons and links while the mouse is on them.

The states: the page with the chat button; a real conversation (Rasa on its own ports) with
a bot question and its answer buttons, the person's message and the typing indicator; and,
without a connection, the other states as the widget restores them from sessionStorage after
a reload: the chat closed, "cannot load" banner, a counsellor's message with their name, the
"you talk with Anna" line, links in each kind of message; also at 360 px wide.
Screenshots of the measured states go to var/screenshots/contrast-*.png.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import Stack, start_stack
from tests.browser.test_widget import (INPUT, LAUNCHER, LOG, PANEL, SEND, STATUS, TYPING,
                                       open_chat, tell_story)
from tests.e2e.conftest import STAFFED
from tests.e2e.servers import ROOT, start_site

# Ports of this module only (see the other browser and e2e tests for theirs).
ACTION_PORT, RASA_PORT, CONSOLE_PORT, SITE_PORT = 5112, 5162, 5182, 5202
SITE = f"http://127.0.0.1:{SITE_PORT}"

# --- the measuring, in the page -----------------------------------------------------------------
# The contrast maths: one function.
CONTRAST_RATIO_JS = r"""
// WCAG 2.x contrast ratio of two opaque sRGB colours {r, g, b} (0-255). Each channel is
// linearised (c = v/255; c <= 0.04045 ? c/12.92 : ((c + 0.055)/1.055)^2.4), the relative
// luminance is L = 0.2126 R + 0.7152 G + 0.0722 B, and the ratio is
// (L_lighter + 0.05) / (L_darker + 0.05): 1 for equal colours, 21 for black on white.
function contrastRatio(a, b) {
  const luminance = (c) => {
    const [r, g, bl] = [c.r, c.g, c.b].map((v) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [lighter, darker] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (lighter + 0.05) / (darker + 0.05);
}
"""

# Reading the page: which colours meet where. Installed as window.__vtContrast.
LIBRARY = "() => { window.__vtContrast = (() => {" + CONTRAST_RATIO_JS + r"""
  // Chromium's computed colours: "rgb(1, 2, 3)" or "rgba(1, 2, 3, 0.5)"; null for others.
  function parse(text) {
    const match = /^rgba?\(([^)]*)\)$/.exec(String(text).trim());
    if (!match) { return null; }
    const parts = match[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    if (parts.length < 3 || parts.some(Number.isNaN)) { return null; }
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  }

  // `top` (possibly translucent) painted on the opaque colour `below`.
  function over(top, below) {
    const mix = (t, b) => t * top.a + b * (1 - top.a);
    return {r: mix(top.r, below.r), g: mix(top.g, below.g), b: mix(top.b, below.b), a: 1};
  }

  function hex(c) {
    const h = '#' + [c.r, c.g, c.b]
      .map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
    return c.a < 1 ? h + ' at alpha ' + c.a : h;
  }

  function name(el) {
    let text = el.tagName.toLowerCase();
    if (el.id) { text += '#' + el.id; }
    for (const cls of el.classList) { text += '.' + cls; }
    return text;
  }

  // A selector-ish path: the element and up to three ancestors.
  function path(el) {
    const names = [];
    for (let node = el; node && node !== document.body && names.length < 4;
         node = node.parentElement) {
      names.unshift(name(node));
    }
    return names.join(' > ') || name(el);
  }

  function snippet(text) {
    const t = String(text || '').replace(/\s+/g, ' ').trim();
    return t.length > 50 ? t.slice(0, 49) + '…' : t;
  }

  function ownText(el) {
    return Array.from(el.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.nodeValue).join(' ').trim();
  }

  // Seen on screen: rendered, not hidden, not transparent, and bigger than the 1x1 px of the
  // "visually hidden" pattern (read aloud by screen readers, never seen).
  function shown(el) {
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) { return false; }
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1;
  }

  // The opaque colour behind `el`: its own background-color and then its ancestors',
  // composited by alpha until an opaque one (white, the canvas, if none is). An image or
  // gradient on the way cannot be measured like this: it is returned as a problem.
  function background(el) {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== 'none') {
        return {problem: 'background-image on ' + path(node) + ': ' +
                         snippet(style.backgroundImage)};
      }
      const colour = parse(style.backgroundColor);
      if (!colour) {
        return {problem: 'unreadable background-color ' + style.backgroundColor + ' on ' +
                         path(node)};
      }
      if (colour.a > 0) { layers.push(colour); }
      if (colour.a >= 1) { break; }
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) { colour = over(layer, colour); }
    return {colour};
  }

  // An opacity below 1 changes every colour under it: reported, not measured.
  function faded(el) {
    for (let node = el; node; node = node.parentElement) {
      const opacity = parseFloat(getComputedStyle(node).opacity);
      if (opacity < 1) { return 'opacity ' + opacity + ' on ' + path(node); }
    }
    return null;
  }

  function textResult(el, text, colourText, what) {
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const weight = parseInt(style.fontWeight, 10);
    const large = size >= 24 || (size >= 18.66 && weight >= 700);
    const result = {kind: 'text', path: path(el) + (what || ''), text: snippet(text),
                    size, weight, large, required: large ? 3 : 4.5};
    const fg = parse(colourText);
    const back = background(el);
    result.problem = back.problem || faded(el) || (fg ? null : 'unreadable color ' + colourText);
    if (result.problem) { return {...result, ok: false}; }
    result.fg = hex(fg);
    result.bg = hex(back.colour);
    result.ratio = contrastRatio(over(fg, back.colour), back.colour);
    result.ok = result.ratio >= result.required;
    return result;
  }

  // A control must stand out from what is around it (3:1): by its fill, or else its border
  // (painted on its own fill, compared with the colour around it).
  function boundaryResult(el) {
    const style = getComputedStyle(el);
    const result = {kind: 'control', path: path(el),
                    text: snippet(el.textContent || el.placeholder || el.value)};
    const around = background(el.parentElement);
    const fill = background(el);
    const problem = around.problem || fill.problem || faded(el);
    if (problem) { return {...result, problem, ok: false}; }
    result.fill = hex(fill.colour);
    result.around = hex(around.colour);
    result.fillRatio = contrastRatio(fill.colour, around.colour);
    let borderRatio = Infinity;
    for (const side of ['Top', 'Right', 'Bottom', 'Left']) {
      const colour = parse(style['border' + side + 'Color']);
      const drawn = parseFloat(style['border' + side + 'Width']) > 0 && colour &&
        !['none', 'hidden'].includes(style['border' + side + 'Style']);
      const ratio = drawn ? contrastRatio(over(colour, fill.colour), around.colour) : 1;
      if (drawn && !result.border) { result.border = hex(colour); }
      borderRatio = Math.min(borderRatio, ratio);
    }
    result.borderRatio = borderRatio;
    result.ratio = Math.max(result.fillRatio, borderRatio);
    result.required = 3;
    result.ok = result.ratio >= 3;
    return result;
  }

  // Text and controls inside `selector` (the whole body without one).
  function audit(selector) {
    const root = selector ? document.querySelector(selector) : document.body;
    if (!root) { return {error: 'nothing matches ' + selector}; }
    const texts = [];
    const controls = [];
    for (const el of [root, ...root.querySelectorAll('*')]) {
      if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName) || !shown(el)) {
        continue;
      }
      const text = ownText(el);
      if (text) { texts.push(textResult(el, text, getComputedStyle(el).color)); }
      if (el.matches('input:not([type=hidden]), textarea')) {
        texts.push(textResult(el, '(typed text)', getComputedStyle(el).color, ' (value)'));
        if (el.placeholder) {
          texts.push(textResult(el, el.placeholder,
                                getComputedStyle(el, '::placeholder').color, '::placeholder'));
        }
      }
      if (el.matches('button, input:not([type=hidden]), select, textarea, [role=button]')) {
        controls.push(boundaryResult(el));
      }
    }
    return {texts, controls};
  }

  // Is (x, y) cut off by the overflow of one of el's ancestors?
  function clipped(el, x, y) {
    for (let node = el.parentElement; node && node !== document.body;
         node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') { continue; }
      const box = node.getBoundingClientRect();
      const left = box.left + node.clientLeft;
      const top = box.top + node.clientTop;
      if (x < left || x > left + node.clientWidth || y < top || y > top + node.clientHeight) {
        return true;
      }
    }
    return false;
  }

  // The focused element's outline against what is painted right around it: three points
  // on each side, halfway across the outline's line. A point outside the window or cut off
  // by an ancestor's overflow is not painted, so not counted; at least one must be.
  function focusRing(inside) {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) { return null; }
    const key = Array.prototype.indexOf.call(document.querySelectorAll('*'), el);
    if (inside && !el.closest(inside)) { return {key, skipped: true}; }
    const style = getComputedStyle(el);
    const result = {kind: 'focus', key, path: path(el),
                    text: snippet(el.textContent || el.placeholder),
                    outline: style.outlineStyle + ' ' + style.outlineWidth + ' ' +
                             style.outlineColor + ', offset ' + style.outlineOffset,
                    required: 3, samples: []};
    const width = parseFloat(style.outlineWidth);
    const colour = parse(style.outlineColor);
    if (!el.matches(':focus-visible') || ['none', 'hidden'].includes(style.outlineStyle) ||
        !(width > 0) || !colour || colour.a === 0) {
      return {...result, problem: 'no visible focus outline (' + result.outline + ')', ok: false};
    }
    result.ring = hex(colour);
    const distance = parseFloat(style.outlineOffset) + width / 2;
    for (const box of el.getClientRects()) {
      for (const f of [0.25, 0.5, 0.75]) {
        const x = box.left + box.width * f;
        const y = box.top + box.height * f;
        for (const [side, px, py] of [['top', x, box.top - distance],
                                      ['bottom', x, box.bottom + distance],
                                      ['left', box.left - distance, y],
                                      ['right', box.right + distance, y]]) {
          if (px < 0 || py < 0 || px >= innerWidth || py >= innerHeight || clipped(el, px, py)) {
            continue;
          }
          const hit = document.elementFromPoint(px, py);
          if (!hit) { continue; }
          const back = background(hit);
          if (back.problem) {
            result.samples.push({side, on: path(hit), problem: back.problem});
            continue;
          }
          result.samples.push({side, on: path(hit), bg: hex(back.colour),
                               ratio: contrastRatio(over(colour, back.colour), back.colour)});
        }
      }
    }
    const bad = result.samples.filter((s) => s.problem || s.ratio < 3);
    result.ratio = Math.min(...result.samples.map((s) => s.problem ? 0 : s.ratio));
    if (!result.samples.length) { result.problem = 'the focus outline is cut off on every side'; }
    else if (bad.some((s) => s.problem)) { result.problem = bad.find((s) => s.problem).problem; }
    result.bad = bad;
    result.ok = !result.problem && !bad.length;
    return result;
  }

  // Measures #vt-typing the moment the widget shows it.
  function watchTyping() {
    window.__vtTypingAudit = null;
    const typing = document.querySelector('#vt-typing');
    new MutationObserver(() => {
      if (!typing.hidden && !window.__vtTypingAudit) {
        window.__vtTypingAudit = audit('#vt-typing');
      }
    }).observe(typing, {attributes: true, attributeFilter: ['hidden']});
  }

  return {contrastRatio, parse, audit, focusRing, watchTyping};
})(); }"""


def js(page: Page, expression: str, arg: Any = None) -> Any:
    """Evaluates `expression` (a function of one argument, with the library at hand as `C`);
    the library is installed in the page first when a navigation removed it."""
    page.evaluate(f"() => {{ if (!window.__vtContrast) ({LIBRARY})(); }}")
    return page.evaluate(
        f"(arg) => {{ const C = window.__vtContrast; return ({expression})(arg); }}", arg)


# --- collecting and reporting -------------------------------------------------------------------
class Findings:
    """Everything measured in one test; failures are listed all together at the end."""

    def __init__(self) -> None:
        self.results: List[Dict[str, Any]] = []

    def add(self, state: str, results: List[Dict[str, Any]]) -> None:
        for result in results:
            self.results.append({**result, "state": state})

    def add_audit(self, state: str, audit: Dict[str, Any]) -> None:
        assert "error" not in audit, audit
        self.add(state, audit["texts"])
        self.add(state, audit["controls"])

    def of_kind(self, kind: str) -> List[Dict[str, Any]]:
        return [r for r in self.results if r["kind"] == kind]

    def measured(self, fragment: str, kind: str = "text") -> bool:
        return any(fragment in r["path"] or fragment in r["text"] for r in self.of_kind(kind))

    def lowest(self, kind: str, count: int = 3) -> str:
        seen, lines = set(), []
        for r in sorted((r for r in self.of_kind(kind) if "ratio" in r and r["ratio"] > 0),
                        key=lambda r: r["ratio"]):
            if (r["path"], r["text"]) not in seen:
                seen.add((r["path"], r["text"]))
                lines.append(f"  {describe(r)}")
            if len(lines) == count:
                break
        return "\n".join(lines)

    def assert_all_pass(self) -> None:
        states: Dict[str, List[str]] = {}  # one line per failure, with every state it is in
        for r in self.results:
            if not r["ok"]:
                states.setdefault(describe(r), []).append(r["state"])
        failures = [f"- [{'; '.join(dict.fromkeys(where))}] {line}"
                    for line, where in states.items()]
        assert not failures, (f"{len(failures)} contrast failure(s) (WCAG 2.x AA):\n"
                              + "\n".join(failures))
        print(f"\n{len(self.results)} measurements; lowest text:\n{self.lowest('text')}\n"
              f"lowest controls:\n{self.lowest('control')}\n"
              f"lowest focus outlines:\n{self.lowest('focus')}")


def describe(r: Dict[str, Any]) -> str:
    where = f"{r['kind']} {r['path']} {r['text']!r}"
    if r.get("problem"):
        return f"{where}: cannot measure: {r['problem']}"
    if r["kind"] == "text":
        size = f"{r['size']:g}px/{r['weight']}{', large' if r['large'] else ''}"
        return (f"{where}: {r['fg']} on {r['bg']} = {r['ratio']:.2f}:1, needs {r['required']:g} "
                f"({size})")
    if r["kind"] == "control":
        border = f", border {r['border']} = {r['borderRatio']:.2f}:1" if r.get("border") else ""
        return (f"{where}: fill {r['fill']} around {r['around']} = {r['fillRatio']:.2f}:1"
                f"{border}, needs 3")
    bad = "; ".join(f"{s['side']} on {s['on']} {s.get('bg')} = {s.get('ratio', 0):.2f}:1"
                    for s in r["bad"][:4])
    return (f"{where}: outline {r['ring']} ({r['outline']}), lowest {r['ratio']:.2f}:1, needs 3"
            + (f"; failing: {bad}" if bad else ""))


def walk_focus(page: Page, findings: Findings, state: str, inside: Optional[str] = None,
               limit: int = 80) -> List[Dict[str, Any]]:
    """Presses Tab until the focus comes back round; measures every focused element (inside
    `inside` only, when given)."""
    rings: Dict[int, Dict[str, Any]] = {}
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = js(page, "inside => C.focusRing(inside)", inside)
        if ring is None:
            continue
        if ring["key"] in rings:
            break
        rings[ring["key"]] = ring
    else:
        pytest.fail(f"{state}: Tab did not come round in {limit} presses")
    measured = [r for r in rings.values() if not r.get("skipped")]
    findings.add(state, measured)
    return measured


def hover_and_measure(page: Page, findings: Findings, state: str, selectors: List[str]) -> None:
    """Each element under the mouse in turn: its text and boundary while hovered."""
    for selector in selectors:
        for index in range(page.locator(selector).count()):
            page.locator(selector).nth(index).hover()
            audit = js(page, "([s, i]) => { const el = document.querySelectorAll(s)[i];"
                             " el.setAttribute('data-vt-hovered', ''); const a = C.audit("
                             "'[data-vt-hovered]'); el.removeAttribute('data-vt-hovered');"
                             " return a; }", [selector, index])
            findings.add_audit(f"{state}, mouse on {selector}", audit)
    page.mouse.move(1, 1)


# --- the maths and the measuring, on known colours ------------------------------------------------
def test_the_contrast_formula_gives_the_known_ratios(page: Page):
    ratios = js(page, """pairs => pairs.map(([a, b]) => C.contrastRatio(C.parse(a), C.parse(b)))""",
                [["rgb(119, 119, 119)", "rgb(255, 255, 255)"],   # #777 on white
                 ["rgb(0, 0, 0)", "rgb(255, 255, 255)"],         # black on white
                 ["rgb(255, 255, 255)", "rgb(0, 0, 0)"],         # the order does not matter
                 ["rgb(118, 118, 118)", "rgb(255, 255, 255)"],   # #767676: the lightest AA grey
                 ["rgb(59, 31, 92)", "rgb(59, 31, 92)"]])        # equal colours
    assert [round(r, 2) for r in ratios] == [4.48, 21.0, 21.0, 4.54, 1.0]


TEST_PAGE = """<!doctype html><html><body style="margin:0; background:#fff; font-size:16px">
  <p id="grey" style="color:#777">Grijs op wit</p>
  <p id="large" style="color:#777; font-size:24px">Groot</p>
  <p id="bold" style="color:#777; font-size:19px; font-weight:700">Groot en vet</p>
  <p id="not-bold" style="color:#777; font-size:19px">Groot maar niet vet</p>
  <div style="background:rgba(0, 0, 0, 0.5)"><p id="half" style="color:#fff">Op half zwart</p></div>
  <p id="see-through" style="color:rgba(0, 0, 0, 0.5)">Half zwarte tekst</p>
  <div style="background:linear-gradient(#000, #fff)"><p id="gradient">Op een verloop</p></div>
  <p id="faded" style="opacity:0.5">Vervaagd</p>
  <span id="hidden" style="position:absolute; width:1px; height:1px; overflow:hidden;
        clip:rect(0 0 0 0)">Alleen voor schermlezers</span>
  <button id="ghost" style="background:#fff; border:1px solid #ddd; color:#000">Vaag</button>
  <button id="outlined" style="background:#fff; border:2px solid #3b1f5c">Omlijnd</button>
  <button id="filled" style="background:#3b1f5c; border:0; color:#fff">Gevuld</button>
  <div style="background:#3b1f5c; padding:20px">
    <button id="ring" style="outline:3px solid #ffd34d; outline-offset:2px">Gele ring</button>
  </div>
</body></html>"""


def test_the_measuring_on_a_page_with_known_colours(page: Page):
    """The expected ratios below were worked out apart from this code (by hand and in Python)."""
    page.set_content(TEST_PAGE)
    audit = js(page, "() => C.audit()")
    texts = {r["path"].split(" > ")[-1].split(".")[0]: r for r in audit["texts"]}
    assert "span#hidden" not in texts  # visually hidden: not seen, not measured
    ratio = {key: round(r["ratio"], 2) for key, r in texts.items() if "ratio" in r}
    ok = {key: r["ok"] for key, r in texts.items()}
    assert ratio["p#grey"] == 4.48 and not ok["p#grey"]
    assert texts["p#large"]["large"] and ok["p#large"]                # 3:1 is enough
    assert texts["p#bold"]["large"] and ok["p#bold"]
    assert not texts["p#not-bold"]["large"] and not ok["p#not-bold"]
    # White on 50 % black over white = white on rgb(127.5, 127.5, 127.5): 3.98.
    assert texts["p#half"]["bg"] == "#808080" and ratio["p#half"] == 3.98
    assert ratio["p#see-through"] == 3.98                               # the same, the other way
    assert "background-image" in texts["p#gradient"]["problem"] and not ok["p#gradient"]
    assert "opacity 0.5" in texts["p#faded"]["problem"] and not ok["p#faded"]

    controls = {r["path"].split(" > ")[-1]: r for r in audit["controls"]}
    assert not controls["button#ghost"]["ok"]                           # #ddd on white: 1.4
    assert controls["button#outlined"]["ok"] and controls["button#outlined"]["fillRatio"] < 1.1
    assert controls["button#filled"]["ok"] and controls["button#filled"]["fillRatio"] > 10

    # A yellow focus ring on dark purple; then the same ring in the purple itself.
    page.locator("#filled").focus()
    page.keyboard.press("Tab")  # focus by keyboard: :focus-visible
    ring = js(page, "() => C.focusRing()")
    assert ring["path"].endswith("button#ring")
    assert ring["ok"] and ring["ring"] == "#ffd34d" and round(ring["ratio"], 2) == 9.55
    assert {s["side"] for s in ring["samples"]} == {"top", "bottom", "left", "right"}
    page.evaluate("document.querySelector('#ring').style.outlineColor = '#3b1f5c'")
    invisible = js(page, "() => C.focusRing()")
    assert not invisible["ok"] and round(invisible["ratio"], 2) == 1.0


# --- the real site ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    if not (ROOT / "web" / "node_modules" / "socket.io-client").is_dir():
        pytest.fail("socket.io-client missing: run `make setup`", pytrace=False)
    stack = start_stack(tmp_path_factory.mktemp("browser-contrast"),
                        (ACTION_PORT, RASA_PORT, CONSOLE_PORT), [], site_port=SITE_PORT)
    try:
        stack.servers["site"] = start_site(SITE_PORT, stack.workdir / "site.log",
                                           stack.database_url, RASA_PORT, STAFFED,
                                           quick_exit_url=f"{SITE}/widget/neutral.html",
                                           socket_url=stack.rasa_url)
    except BaseException:
        stack.stop()
        raise
    yield stack
    stack.stop()


@pytest.mark.e2e
@pytest.mark.model
def test_the_page_and_a_real_conversation_meet_wcag_aa(page: Page, stack: Stack,
                                                       screenshot_dir: Path):
    findings = Findings()
    page.goto(f"{SITE}/")
    expect(page.locator(STATUS)).to_have_attribute("data-state", "open")

    # The page with the chat button; every link and button reached with Tab.
    findings.add_audit("page", js(page, "() => C.audit()"))
    rings = walk_focus(page, findings, "page, Tab")
    assert {"a", "button"} <= {r["path"].split(" > ")[-1].split("#")[0].split(".")[0]
                               for r in rings}
    assert any("vt-launcher" in r["path"] for r in rings)
    hover_and_measure(page, findings, "page", [".help-bar a", ".quick-exit", LAUNCHER])
    # At 360 px the help bar is laid out anew (the focus rings meet other colours).
    page.set_viewport_size({"width": 360, "height": 740})
    findings.add_audit("page, 360 px", js(page, "() => C.audit()"))
    walk_focus(page, findings, "page, 360 px, Tab")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A real conversation: the person's message, the typing indicator, the bot's question.
    open_chat(page)
    page.mouse.move(1, 1)  # off the send button, which is where the chat button was
    js(page, "() => C.watchTyping()")
    tell_story(page)
    typing = page.evaluate("window.__vtTypingAudit")
    assert typing is not None, "the typing indicator was never shown"
    findings.add_audit("chat, typing", typing)
    expect(page.locator(TYPING)).to_be_hidden()
    page.fill(INPUT, "Dit typ ik nog")  # the typed text, measured like the placeholder
    findings.add_audit("chat", js(page, "() => C.audit()"))
    page.fill(INPUT, "")
    findings.add_audit("chat, empty input", js(page, f"() => C.audit('{INPUT}')"))
    walk_focus(page, findings, "chat, Tab", inside=PANEL)
    hover_and_measure(page, findings, "chat", [f"{LOG} .vt-choice", ".vt-tool", SEND])
    page.locator(INPUT).focus()
    page.screenshot(path=str(screenshot_dir / "contrast-01-conversation.png"))

    for fragment, kind in [(".vt-msg-bot", "text"), (".vt-msg-person", "text"),
                           ("vt-choice", "text"), ("vt-choice", "control"),
                           ("vt-typing", "text"), ("112", "text"), ("0800-2000", "text"),
                           ("Snel weg", "text"), ("vt-send", "control"), ("vt-input", "control"),
                           ("::placeholder", "text"), ("(value)", "text"), ("vt-state", "text"),
                           ("vt-choice", "focus"), ("vt-send", "focus"), ("vt-input", "focus"),
                           ("quick-exit", "focus"), ("help-bar", "focus")]:
        assert findings.measured(fragment, kind), f"{kind} of {fragment} was not measured"
    findings.assert_all_pass()


# The conversation the widget restores after a reload: each kind of message, with links.
RESTORED = {
    "vt-chat-session": "contrast-test",
    "vt-chat-open": "1",
    "vt-chat-handoff": {"state": "claimed", "position": None, "counsellor": "Anna"},
    "vt-chat-log": [
        {"who": "bot", "text": "Lees meer op https://www.veiligthuis.nl/advies.\nWil je dat?",
         "choices": [{"title": "Ja", "payload": "/affirm"}, {"title": "Nee", "payload": "/deny"}]},
        {"who": "person", "text": "Ik las https://www.veiligthuis.nl al"},
        {"who": "counsellor", "name": "Anna",
         "text": "Hoi, ik ben Anna. Kijk ook op https://www.veiligthuis.nl/hulp"},
    ],
}


@pytest.mark.e2e
@pytest.mark.model
def test_the_other_states_meet_wcag_aa(page: Page, stack: Stack, screenshot_dir: Path):
    """Chat closed, no connection (the socket.io client does not load), a counsellor in the
    chat: as the widget shows them after a reload. Also at 360 px wide."""
    def closed(route: Route) -> None:
        response = route.fetch()
        status = {**response.json(), "open": False, "accepts_handoff": False,
                  "next_opening": "maandag om 9:00"}
        route.fulfill(response=response, json=status)

    page.route("**/vendor/socket.io.min.js", lambda route: route.abort())
    page.route("**/api/chat-status", closed)
    page.add_init_script("for (const [key, value] of Object.entries(%s)) "
                         "sessionStorage.setItem(key, JSON.stringify(value));"
                         % json.dumps(RESTORED))
    page.goto(f"{SITE}/")
    expect(page.locator(STATUS)).to_have_attribute("data-state", "closed")
    expect(page.locator(PANEL)).to_be_visible()
    expect(page.locator(f"{PANEL} .vt-connection")).to_contain_text("kan nu niet laden")
    expect(page.locator(f"{LOG} .vt-intro")).to_contain_text("geen medewerker")
    expect(page.locator(PANEL)).to_have_attribute("data-handoff", "claimed")
    expect(page.locator(f"{LOG} a")).to_have_count(3)

    findings = Findings()
    for width, height in [(1280, 900), (360, 740)]:
        state = f"{width} px, closed, counsellor, no connection"
        page.set_viewport_size({"width": width, "height": height})
        findings.add_audit(state, js(page, "() => C.audit()"))
        walk_focus(page, findings, f"{state}, Tab", inside=PANEL)
        hover_and_measure(page, findings, state, [f"{LOG} a", ".vt-exit"])
        page.screenshot(path=str(screenshot_dir / f"contrast-02-states-{width}.png"))

    for fragment, kind in [(".vt-msg-counsellor", "text"), ("vt-sender", "text"),
                           ("vt-connection", "text"), ("vt-intro", "text"), ("vt-state", "text"),
                           ("nu gesloten", "text"), (".vt-msg-person > p.vt-bubble > a", "text"),
                           (".vt-msg-bot > p.vt-bubble > a", "text"),
                           (".vt-msg-counsellor > p.vt-bubble > a", "text"),
                           (".vt-msg-person > p.vt-bubble > a", "focus"), ("vt-exit", "focus")]:
        assert findings.measured(fragment, kind), f"{kind} of {fragment} was not measured"
    findings.assert_all_pass()
