"""The report as one self-contained HTML page with charts, or as one picture per chart.

The charts are Vega-Lite specs (analytics.charts) rendered to SVG in Python by vl-convert, so the
page needs no JavaScript, no web font and no network request: its Content-Security-Policy
forbids every fetch. PNG and SVG files come from the same renderer.

    data = services.report.chart_data(session, day, "month")   # the numbers behind the charts
    write_html(path, kpis=report_json, data=data)   # kpis: what `report --format json` prints
    write_images(folder, "png", data=data)          # 01-revenue.png, 02-customers.png, …

altair, vl-convert and pandas are imported inside the functions only.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _, language, ngettext

if TYPE_CHECKING:
    from ..analytics.charts import Chart, ChartData

# No web font is needed: the page names the fonts each platform ships, Chinese ones included.
FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans CJK SC", '
    '"Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", sans-serif'
)
# The charts' text: Arial's metrics, which are those vl-convert lays the charts out with (it
# measures every label with Liberation Sans, which it carries, and a CJK font for Chinese)
CHART_FONT = (
    'Arial, "Liberation Sans", Helvetica, "Noto Sans CJK SC", "Source Han Sans SC", '
    '"WenQuanYi Micro Hei", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", sans-serif'
)
# vl-convert measures each label by laying it out (a few ms each, ten times as long with a
# large CJK font first): Liberation Sans for Latin text, a CJK font only for what it lacks
MEASURE_FONT = '"Liberation Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
# Folders with CJK fonts on common systems, given to vl-convert for PNG text
FONT_DIRS = (
    "/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/truetype/wqy", "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk", "/System/Library/Fonts", "C:/Windows/Fonts",
)  # fmt: skip
CONFIG = {
    "font": MEASURE_FONT,
    "background": "white",
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": "normal"},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 220},
    "title": {"fontSize": 15, "subtitleFontSize": 12, "anchor": "start", "subtitleColor": "#444"},
}


# --------------------------------------------------------------------------- rendering


def warm_up() -> None:
    """Start the chart renderer now (its JavaScript engine: about 0.5 s, once per process)."""
    import altair  # noqa: F401 - the specs' builder, imported here for the same reason
    import vl_convert as vlc

    spec = {"mark": "point", "data": {"values": [{"a": 1}]}}
    vlc.vegalite_to_svg(spec | {"encoding": {"x": {"field": "a", "type": "quantitative"}}})


@cache
def _fonts() -> None:
    """Give vl-convert the CJK font folders it may not search by itself (PNG text)."""
    import vl_convert as vlc

    for folder in FONT_DIRS:
        if Path(folder).is_dir():
            vlc.register_font_directory(folder)


def spec(chart: Chart, titled: bool = False) -> dict[str, Any]:
    """The Vega-Lite spec of a chart (an empty one: a line of text saying so); `titled` adds
    the title and the reading (for pictures that travel without the page)."""
    import altair as alt
    import pandas as pd

    if chart.empty:
        body = (
            alt.Chart(pd.DataFrame({"text": [chart.reading]}))
            .mark_text(fontSize=14, color="#666")
            .encode(text="text:N")
            .properties(width=520, height=60)
        )
    else:
        body = chart.chart
    out = body.to_dict(validate=False)
    out["config"] = CONFIG
    if titled:
        out["title"] = {
            "text": chart.title,
            "subtitle": [] if chart.empty else _lines(chart.reading),
        }
    return out


def _lines(text: str, width: int = 90) -> list[str]:
    """A reading as subtitle lines: a sentence per line, long ones cut at spaces."""
    sentences = re.split(r"(?<=[。！？；])|(?<=[.!?;])\s+", text)
    lines: list[str] = []
    for sentence in (s.strip() for s in sentences):
        while len(sentence) > width and " " in sentence[:width]:
            cut = sentence.rindex(" ", 0, width)
            lines.append(sentence[:cut])
            sentence = sentence[cut + 1 :]
        if sentence:
            lines.append(sentence)
    return lines


def _locale() -> dict[str, Any]:
    return {"format_locale": "zh-CN"} if language() == "zh-CN" else {}


def svg(chart: Chart, titled: bool = False) -> str:
    """The chart as an SVG document that names the fonts a browser should use."""
    import vl_convert as vlc

    drawing = vlc.vegalite_to_svg(spec(chart, titled), **_locale())
    return _FONT_ATTR.sub(f'font-family="{html.escape(CHART_FONT)}"', drawing)


_FONT_ATTR = re.compile(r'font-family="[^"]*"')


def png(chart: Chart, titled: bool = True, scale: float = 2.0) -> bytes:
    """The chart as a PNG image (`scale` × its CSS size), Chinese text in a CJK font."""
    import vl_convert as vlc

    _fonts()
    return vlc.vegalite_to_png(spec(chart, titled), scale=scale, **_locale())


def _inline(svg_text: str, key: str, title: str) -> str:
    """An SVG made for a page of several: ids prefixed by the chart's key, sized by CSS, its
    fonts set once by the page's CSS."""
    svg_text = _FONT_ATTR.sub("", svg_text)
    svg_text = re.sub(r'\bid="([^"]+)"', rf'id="{key}-\1"', svg_text)
    svg_text = re.sub(r"url\(#([^)]+)\)", rf"url(#{key}-\1)", svg_text)
    svg_text = re.sub(r'href="#([^"]+)"', rf'href="#{key}-\1"', svg_text)
    head = f'<svg role="img" aria-label="{html.escape(title)}" '
    return svg_text.replace("<svg ", head, 1)


def write_images(folder: str | Path, fmt: str = "png", *, data: ChartData) -> list[Path]:
    """Each chart as a picture with its title and reading: 01-revenue.png, … (fmt png or svg).
    The folder is created when missing; files of the same names are replaced."""
    from ..analytics.charts import charts

    if fmt not in ("png", "svg"):
        raise ValueError(fmt)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i, chart in enumerate(charts(data), start=1):
        path = out / f"{i:02d}-{chart.key}.{fmt}"
        if fmt == "png":
            path.write_bytes(png(chart))
        else:
            path.write_text(svg(chart, titled=True), encoding="utf-8")
        written.append(path)
    return written


# --------------------------------------------------------------------------- the page


def _money(value: float | None, currency: str) -> str:
    from ..validate import currency_exponent, money_text

    if value is None:
        return "—"
    return money_text(round(value * 10 ** currency_exponent(currency)), currency)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def kpi_cards(kpis: dict[str, Any]) -> list[dict[str, str]]:
    """The KPI numbers at the top of the page: key (report json field), label, text, note."""
    cur = kpis["currency"]
    n = kpis

    def answers(k: int) -> str:
        return ngettext("{n} answer", "{n} answers", k).format(n=f"{k:,}")

    cards = [
        ("customers_total", _("Customers"), f"{n['customers_total']:,}", ""),
        ("new_customers", _("New customers"), f"{n['new_customers']:,}", _("records added")),
        ("new_buyers", _("New buyers"), f"{n['new_buyers']:,}", _("first purchases")),
        ("active_customers", _("Active customers"), f"{n['active_customers']:,}",
         _("at the start: {n}").format(n=f"{n['active_at_start']:,}")),
        ("churn_rate", _("Churn rate"), _pct(n["churn_rate"]),
         _("{churned} of {active} stopped buying").format(
             churned=f"{n['churned']:,}", active=f"{n['active_at_start']:,}")),
        ("retention_rate", _("Retention"), _pct(n["retention_rate"]), ""),
        ("repurchase_rate", _("Repurchase rate"), _pct(n["repurchase_rate"]), ""),
        ("revenue", _("Revenue"), _money(n["revenue"], cur), ""),
        ("orders", _("Orders"), f"{n['orders']:,}",
         ngettext("by {n} buyer", "by {n} buyers", n["buyers"]).format(n=f"{n['buyers']:,}")),
        ("average_order_value", _("Average order value"), _money(n["average_order_value"], cur),
         ""),
        ("purchase_frequency", _("Purchase frequency"), _num(n["purchase_frequency"]),
         _("orders per buyer")),
        ("clv_historical_mean", _("CLV, historical (mean)"), _money(n["clv_historical_mean"], cur),
         ""),
        ("clv_predicted_mean", _("CLV, predicted (mean)"), _money(n["clv_predicted_mean"], cur),
         _method_note(n.get("clv_predicted_method") or "")),
        ("cac", _("CAC"), _money(n["cac"], cur), ""),
        ("csat_satisfied_share", _("CSAT"), _pct(n["csat_satisfied_share"]),
         _("satisfied (4–5); {answers}").format(answers=answers(n["csat_responses"]))),
        ("nps", _("NPS"), _num(n["nps"], 0), answers(n["nps_responses"])),
        ("complaints_opened", _("Complaints opened"), f"{n['complaints_opened']:,}",
         _("{n} still open").format(n=f"{n['complaints_open']:,}")),
        ("mean_hours_to_resolve", _("Time to resolve"), _num(n["mean_hours_to_resolve"], 1),
         _("hours on average")),
    ]  # fmt: skip
    return [{"key": k, "label": lab, "text": text, "note": note} for k, lab, text, note in cards]


def _method_note(method: str) -> str:
    from ..analytics.charts import method_text

    # "BG/NBD + Gamma-Gamma over 12 months": the model, then the horizon
    model, sep, months = method.partition(" over ")
    text = method_text(model)
    if sep and months.split()[0].isdigit():
        k = int(months.split()[0])
        text += " · " + ngettext("{n} month", "{n} months", k).format(n=k)
    return text


CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: FONT_STACK; color: #1d1d1f; background: #f5f5f7;
       line-height: 1.45; -webkit-text-size-adjust: 100%; }
main { max-width: 1240px; margin: 0 auto; padding: 16px; }
header h1 { font-size: 1.6rem; margin: 0.2rem 0; }
header p { margin: 0.2rem 0; color: #555; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr));
        gap: 8px; margin: 16px 0; padding: 0; list-style: none; }
.kpi { background: white; border-radius: 8px; padding: 10px 12px; border: 1px solid #e3e3e8; }
.kpi .label { display: block; font-size: 0.8rem; color: #555; }
.kpi .value { display: block; font-size: 1.3rem; font-weight: 600;
              font-variant-numeric: tabular-nums; }
.kpi .note { display: block; font-size: 0.75rem; color: #666; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr));
          gap: 12px; }
figure { margin: 0; background: white; border-radius: 8px; padding: 12px 14px;
         border: 1px solid #e3e3e8; min-width: 0; }
figure h2 { font-size: 1.05rem; margin: 0 0 4px; }
figure .reading { margin: 0 0 8px; color: #333; font-size: 0.9rem; }
figure .plot { overflow-x: auto; }
figure svg text { font-family: CHART_FONT_STACK; }
figure svg { display: block; width: 100%; max-width: 100%; height: auto; }
figure.empty .plot { color: #666; font-style: italic; padding: 24px 0; text-align: center; }
.notes { color: #8a5a00; }
footer { color: #666; font-size: 0.8rem; margin: 16px 0; }
@media (max-width: 600px) {
  main { padding: 8px; }
  figure { padding: 10px 8px; }
  figure svg { min-width: 460px; }
  header h1 { font-size: 1.3rem; }
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .kpi .value { font-size: 1.1rem; }
}
@page { size: A4; margin: 12mm; }
@media print {
  body { background: white; font-size: 9pt; }
  main { max-width: none; padding: 0; }
  header h1 { font-size: 16pt; }
  .kpis { grid-template-columns: repeat(4, 1fr); gap: 3mm; margin: 4mm 0; }
  .kpi { padding: 2mm 3mm; }
  .kpi .value { font-size: 12pt; }
  .kpi, figure { border: 1px solid #ccc; break-inside: avoid; page-break-inside: avoid; }
  .charts { display: block; }
  figure { margin: 0 0 5mm; padding: 3mm 4mm; }
  figure h2 { font-size: 11pt; }
  figure .reading { font-size: 9pt; }
  figure .plot { overflow: visible; }
  /* two charts to an A4 page */
  figure svg { width: auto; min-width: 0; max-width: 100%; max-height: 105mm; margin: 0 auto; }
}
"""


def _css() -> str:
    return CSS.replace("CHART_FONT_STACK", CHART_FONT).replace("FONT_STACK", FONT)


def page(kpis: dict[str, Any], charts: list[Chart], svgs: list[str]) -> str:
    """The HTML page: KPI numbers, then each chart with its title and reading."""
    from .. import __version__, clock

    e = html.escape
    lang = "zh-CN" if language() == "zh-CN" else "en"
    title = _("Report for {period} ({start} – {end})").format(
        period=kpis["period"], start=kpis["start"], end=kpis["end"]
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        # nothing may be fetched: no script, no font, no image, no style from anywhere
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="custtrack">',
        f"<title>{e(title)}</title>",
        f"<style>{_css()}</style>",
        "</head>",
        "<body><main>",
        "<header>",
        f"<h1>{e(title)}</h1>",
        "<p>{}</p>".format(
            e(
                _("Customer report as of {day}; amounts in {currency}.").format(
                    day=kpis["end"], currency=kpis["currency"]
                )
            )
        ),
    ]
    notes = _notes(kpis)
    if notes:
        parts.append(f'<p class="notes">{e(" ".join(notes))}</p>')
    parts += ["</header>", f'<ul class="kpis" aria-label="{e(_("KPIs"))}">']
    for card in kpi_cards(kpis):
        value = kpis.get(card["key"])
        parts.append(
            f'<li class="kpi" data-kpi="{card["key"]}" data-value="{e(_raw(value))}">'
            f'<span class="label">{e(card["label"])}</span>'
            f'<span class="value">{e(card["text"])}</span>'
            f'<span class="note">{e(card["note"])}</span></li>'
        )
    parts += ["</ul>", '<div class="charts">']
    for chart, drawing in zip(charts, svgs, strict=True):
        state = "empty" if chart.empty else "drawn"
        plot = e(chart.reading) if chart.empty else drawing
        reading = "" if chart.empty else f'<p class="reading">{e(chart.reading)}</p>'
        parts.append(
            f'<figure class="chart {state}" id="chart-{chart.key}" data-chart="{chart.key}" '
            f'data-state="{state}"><h2>{e(chart.title)}</h2>{reading}'
            f'<div class="plot">{plot}</div></figure>'
        )
    stamp = clock.now().strftime("%Y-%m-%d %H:%M")
    parts += [
        "</div>",
        "<footer>{}</footer>".format(
            e(_("Made with custtrack {version} on {when}.").format(version=__version__, when=stamp))
        ),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def _raw(value: Any) -> str:
    """A KPI value as the page carries it for machines (the json value; '' for null)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _notes(kpis: dict[str, Any]) -> list[str]:
    out = []
    n = kpis.get("purchases_other_currency") or 0
    if n:
        out.append(
            ngettext(
                "{n} purchase in another currency than {currency} is left out of every sum.",
                "{n} purchases in other currencies than {currency} are left out of every sum.",
                n,
            ).format(n=f"{n:,}", currency=kpis["currency"])
        )
    return out


def write_html(path: str | Path, *, kpis: dict[str, Any], data: ChartData) -> Path:
    """Write the report page: `kpis` as `report --format json` gives them (dates as dates or
    ISO text), `data` from chart_data(). Returns the path written."""
    from ..analytics.charts import charts

    made = charts(data)
    drawings = ["" if c.empty else _inline(svg(c), c.key, c.title) for c in made]
    target = Path(path)
    target.write_text(page(kpis, made, drawings), encoding="utf-8")
    return target
