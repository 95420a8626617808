"""The look of report.html: one stylesheet and a few lines of optional script, inlined in the page."""

from __future__ import annotations

from planners.verdicts import Verdict

GREEN, RED, AMBER, GREY, BLUE, PURPLE = "#1a7f37", "#cf222e", "#9a6700", "#57606a", "#0969da", "#8250df"

VERDICT_COLOURS = {
    Verdict.CHANGED: GREEN,
    Verdict.FOCUSED: GREEN,
    Verdict.READ_BACK: GREEN,
    Verdict.NOT_CHECKED: GREY,
    Verdict.NO_CHANGE: AMBER,
    Verdict.UNSETTLED: AMBER,
    Verdict.NO_PLACE: RED,
    Verdict.UNPROVEN: AMBER,
    Verdict.INVALID: RED,
    Verdict.MET: GREEN,
    Verdict.FAILED: RED,
    Verdict.REFUSED: RED,
}

VERDICT_MEANINGS = {
    Verdict.CHANGED: "the action changed the screen where it acted",
    Verdict.FOCUSED: "nothing was drawn, but the app says the keyboard focus is on the field that was clicked",
    Verdict.READ_BACK: "the app says the focused field holds exactly the typed text (read back from its tree)",
    Verdict.NOT_CHECKED: 'nothing visible was expected (move, wait, done, "expect": "none") or a dry run',
    Verdict.NO_CHANGE: "nothing changed where the action acted (it was performed once, not repeated)",
    Verdict.UNSETTLED: "the action's window was still changing when the settle timeout ran out: not judged, not a pass",
    Verdict.NO_PLACE: "nobody can say where the action acted (no window to judge): not a pass",
    Verdict.UNPROVEN: "the expected text was there, but already before the action: it proves nothing, not a pass",
    Verdict.INVALID: "the model's answer could not be used; nothing was performed",
    Verdict.MET: "the step's expectation (text, window) held",
    Verdict.FAILED: "the step's expectation did not hold; see what was seen instead",
    Verdict.REFUSED: "the policy refused the action; nothing was performed",
}

# The phases of a step, in the order they happen, with the colour each has in the timing bars.
PHASES = (("plan", PURPLE), ("ready", GREY), ("act", BLUE), ("settle", "#d4a72c"), ("verify", GREEN))

CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
.banner{color:#fff;padding:18px 28px 16px}
.banner .outcome{font-size:13px;font-weight:700;letter-spacing:.08em;text-transform:uppercase;opacity:.92}
.banner h1{font-size:22px;margin:2px 0 6px;font-weight:600;overflow-wrap:anywhere}
.banner .why{font-size:15px;overflow-wrap:anywhere}.banner .why b{font-weight:600}
.answer{margin-top:8px;background:rgba(255,255,255,.16);border-radius:6px;padding:6px 10px;display:inline-block}
.stats{display:flex;flex-wrap:wrap;gap:10px;padding:14px 28px;background:#fff;border-bottom:1px solid #d0d7de}
.stat{min-width:108px;padding:6px 12px;border:1px solid #d0d7de;border-radius:8px;background:#fff}
.stat b{display:block;font-size:19px;font-weight:600}.stat span{color:#57606a;font-size:12px}
.stat.warn{border-color:#d4a72c;background:#fff8c5}.stat.bad{border-color:#ff8182;background:#ffebe9}
.meta{color:#57606a;font-size:12.5px}.runmeta{padding:6px 28px 0}
main{padding:14px 28px 28px}
h2.section{font-size:15px;margin:18px 0 8px}
table.timeline{width:100%;border-collapse:collapse;background:#fff;border:1px solid #d0d7de;border-radius:8px;
  overflow:hidden}
.timeline th{font-size:12px;color:#57606a;text-align:left;font-weight:600;background:#f6f8fa;padding:6px 8px}
.timeline td{padding:4px 8px;border-top:1px solid #eaeef2;vertical-align:middle}
.timeline tr:hover td{background:#f6f8fa}
.timeline td.act{max-width:420px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.timeline .num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.mini{display:flex;align-items:center;justify-content:center;width:88px;height:55px;background:#0d1117;
  border-radius:3px;overflow:hidden}
.mini svg{width:100%;height:100%;display:block}
.chip{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.rung{display:inline-block;padding:0 6px;border-radius:4px;background:#ddf4ff;color:#0550ae;font-size:12px}
.bar{display:flex;height:10px;border-radius:3px;overflow:hidden;background:#eaeef2}
.bar i{display:block;height:100%}
.legend{white-space:nowrap;font-weight:400}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 3px 0 8px;vertical-align:-1px}
.step{background:#fff;border:1px solid #d0d7de;border-radius:8px;margin:0 0 16px;scroll-margin-top:12px}
.step:target{outline:3px solid #54aeff}
.step>header{display:flex;flex-wrap:wrap;gap:8px;align-items:center;padding:10px 16px;
  border-bottom:1px solid #eaeef2}
.step>header .idx{font-weight:700;font-size:15px}.step>header code{font-size:13.5px;overflow-wrap:anywhere}
.step>header .when{margin-left:auto;color:#57606a;font-size:12.5px}
.tiles{display:grid;gap:10px;padding:12px 16px 4px}
.tile{margin:0}.tile a{display:block;border-radius:4px;overflow:hidden;background:#0d1117}
.tile svg{display:block;width:100%;height:auto;aspect-ratio:16/10}
.tile figcaption{color:#57606a;font-size:12px;padding:3px 1px}
.tile.missing div{aspect-ratio:16/10;border:1px dashed #d0d7de;border-radius:4px;display:flex;align-items:center;
  justify-content:center;color:#57606a;font-size:12px}
.facts{padding:6px 16px 12px;display:grid;gap:8px}
.facts .row{display:flex;gap:8px;align-items:baseline}
.facts .row>span:first-child{color:#57606a;min-width:70px;font-size:12.5px}
.error{background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:6px 10px;overflow-wrap:anywhere}
.note{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:6px 10px}
.thought{border-left:3px solid #8250df;padding:2px 10px;color:#1f2328;white-space:pre-wrap;overflow-wrap:anywhere}
details>summary{cursor:pointer;color:#57606a;font-size:12.5px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;border:1px solid #eaeef2;padding:8px;
  border-radius:6px;margin:4px 0 0;max-height:360px;overflow:auto}
ol.ladder{margin:0;padding:0;list-style:none;display:grid;gap:2px}
ol.ladder li{font-size:12.5px}ol.ladder b{display:inline-block;min-width:18px}
ol.ladder .ok b{color:#1a7f37}ol.ladder .no b{color:#cf222e}ol.ladder .ms{color:#57606a}
.secret{background:#fbefff;color:#8250df;border-radius:4px;padding:0 3px}
.lb{display:none}
.lb:target{display:flex;position:fixed;inset:0;z-index:10;background:rgba(13,17,23,.92);flex-direction:column;
  align-items:center;justify-content:center;padding:16px}
.lb svg{width:96vw;height:86vh}.lb p{color:#fff;margin:8px 0 0}.lb a.close{position:absolute;inset:0}
.lb p a{position:relative;color:#9ecbff}
footer{color:#57606a;font-size:12px;padding:0 28px 24px}
@media (max-width:900px){.tiles{grid-template-columns:repeat(2,minmax(0,1fr))!important}.timeline .opt{display:none}
}
"""

# Progressive only: Escape closes a full-size view. Everything else works without script.
SCRIPT = (
    "document.addEventListener('keydown',function(e){var m=location.hash.match(/^#lb-(\\d+)-/);"
    "if(e.key==='Escape'&&m){location.hash='step-'+m[1];}});"
)
