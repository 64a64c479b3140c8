//! SVG charts: responsive (a viewBox scaled to the width), themed by CSS variables so light and
//! dark both read well, and accessible: each chart has a title and a description, and its marks
//! are reachable by keyboard (one tab stop; arrow keys, Home and End move between marks), each
//! announcing its value.
//!
//! A chart is static markup: its marks carry their index (`data-i`) and label (`aria-label`;
//! no `<title>` tooltip each: the readout under the chart shows the mark pointed at, and a
//! year's calendar has half the elements to lay out). One set of listeners
//! ([`on_chart_key`], [`on_chart_mark`], which Progress's island adds to the window) moves the
//! tab stop and the readout for every chart on the page, so charts only the server rendered,
//! never hydrated, are as interactive as an island's own, and a year's calendar costs no
//! listener or signal per day. A page without them has charts that show but do not answer
//! keys or hover.

use leptos::prelude::*;

/// One mark of a chart: where it sits and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub value: f64,
    /// Short text under the axis ("3 Mar").
    pub tick: String,
    /// What a screen reader announces and the readout shows.
    pub label: String,
}

const W: f64 = 640.0;
const H: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// Rounded tick values covering `lo..=hi`, about four of them.
pub fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(magnitude * 10.0);
    let first = (lo / step).floor() * step;
    let mut out = Vec::new();
    let mut t = first;
    // The last tick is at or above `hi`, so every value sits inside the frame.
    while t < hi + step * 0.999 && out.len() < 12 {
        out.push(t);
        t += step;
    }
    out
}

fn short(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{}k", crate::format::number(v / 1000.0))
    } else {
        crate::format::number(v)
    }
}

/// For the window's `keydown`: the arrow keys, Home and End move focus among the marks of
/// the chart that holds the focused mark.
pub fn on_chart_key(ev: leptos::ev::KeyboardEvent) {
    #[cfg(feature = "hydrate")]
    live::key(&ev);
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// For the window's `focusin` and `mouseover`: the mark focused or pointed at becomes its
/// chart's tab stop, and its label the chart's readout.
pub fn on_chart_mark(ev: &leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    if let Some(mark) = live::mark_of(ev) {
        live::show(&mark);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

#[cfg(feature = "hydrate")]
mod live {
    use wasm_bindgen::JsCast;
    use web_sys::{Element, Event, KeyboardEvent, SvgElement};

    /// The mark an event happened on, if any.
    pub fn mark_of(ev: &Event) -> Option<Element> {
        ev.target()?
            .dyn_into::<Element>()
            .ok()?
            .closest("[data-i]")
            .ok()
            .flatten()
    }

    pub fn show(mark: &Element) {
        let chart = mark.closest("svg").ok().flatten();
        if let Some(previous) =
            chart.and_then(|c| c.query_selector("[data-i][tabindex=\"0\"]").ok().flatten())
        {
            let _ = previous.set_attribute("tabindex", "-1");
        }
        let _ = mark.set_attribute("tabindex", "0");
        let readout = mark
            .closest("figure")
            .ok()
            .flatten()
            .and_then(|f| f.query_selector(".readout").ok().flatten());
        if let Some(readout) = readout {
            readout.set_text_content(mark.get_attribute("aria-label").as_deref());
        }
    }

    pub fn key(ev: &KeyboardEvent) {
        let Some(mark) = mark_of(ev) else {
            return;
        };
        let Some(chart) = mark.closest("svg").ok().flatten() else {
            return;
        };
        let count = chart
            .query_selector_all("[data-i]")
            .map_or(0, |marks| marks.length());
        let current: u32 = mark
            .get_attribute("data-i")
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" | "ArrowUp" => (current + 1).min(count.saturating_sub(1)),
            "ArrowLeft" | "ArrowDown" => current.saturating_sub(1),
            "Home" => 0,
            "End" => count.saturating_sub(1),
            _ => return,
        };
        ev.prevent_default();
        if let Some(next) = chart
            .query_selector(&format!("[data-i=\"{next}\"]"))
            .ok()
            .flatten()
        {
            show(&next);
            if let Some(next) = next.dyn_ref::<SvgElement>() {
                let _ = next.focus();
            }
        }
    }
}

/// The tab stop of a chart of `count` marks as drawn: the newest mark.
fn tab_stop(i: usize, count: usize) -> &'static str {
    if i + 1 == count {
        "0"
    } else {
        "-1"
    }
}

/// Horizontal grid lines at the frame's own ticks, with their values.
fn grid(ticks: Vec<f64>, y: impl Fn(f64) -> f64) -> impl IntoView {
    ticks
        .into_iter()
        .map(|t| {
            let at = y(t);
            view! {
                <g class="grid">
                    <line x1=LEFT x2=W - RIGHT y1=at y2=at/>
                    <text x=LEFT - 6.0 y=at + 4.0 text-anchor="end">{short(t)}</text>
                </g>
            }
        })
        .collect_view()
}

/// Tick labels along the bottom, evenly spread: at most about eight short ones ("3 Mar"), or
/// five long ones ("Mar 2025"), which on a phone's width would otherwise run into each other.
fn x_labels(marks: &[Mark], x: impl Fn(usize) -> f64) -> impl IntoView {
    let long = marks.iter().any(|m| m.tick.chars().count() > 6);
    let every = marks.len().div_ceil(if long { 5 } else { 8 }).max(1);
    marks
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, m)| view! { <text class="x-label" x=x(i) y=H - 8.0 text-anchor="middle">{m.tick.clone()}</text> })
        .collect_view()
}

/// What every chart shares: the figure, the SVG with its title and description for assistive
/// technology, and the readout of the focused or hovered mark, which starts on the newest
/// (`readout`).
struct Frame {
    id: &'static str,
    class: &'static str,
    view_box: String,
    title: String,
    desc: String,
    readout: String,
}

impl Frame {
    /// The chart with `marks` inside. A plain generic function rather than a component with
    /// `Children`: a boxed child is called through the function table, which keeps a lazy
    /// island's drawing code in the first-load Wasm.
    fn draw(self, marks: impl IntoView) -> impl IntoView {
        let Frame {
            id,
            class,
            view_box,
            title,
            desc,
            readout,
        } = self;
        view! {
            <figure class=format!("chart {class}")>
                // Scrolls sideways where a chart is wider than the screen (the calendar on
                // phones), starting at its right end: the latest weeks.
                <div class="chart-scroll">
                    <svg viewBox=view_box role="group" data-testid=id
                        aria-labelledby=format!("{id}-title") aria-describedby=format!("{id}-desc")>
                        <title id=format!("{id}-title")>{title}</title>
                        <desc id=format!("{id}-desc")>{desc}</desc>
                        {marks}
                    </svg>
                </div>
                <figcaption class="readout" aria-hidden="true">{readout}</figcaption>
            </figure>
        }
    }
}

/// The label of the last of `items`: the readout a chart opens with.
fn newest<T>(items: &[T], label: impl Fn(&T) -> &String) -> String {
    items.last().map(|i| label(i).clone()).unwrap_or_default()
}

/// Marks as points joined by a line; with a `trend` (one value per mark), the points stand
/// alone and the trend is the line, so a single good or bad week reads as what it is.
#[component]
pub fn LineChart(
    id: &'static str,
    title: String,
    desc: String,
    marks: Vec<Mark>,
    #[prop(optional)] trend: Vec<f64>,
) -> impl IntoView {
    let n = marks.len();
    let (lo, hi) = marks
        .iter()
        .map(|m| m.value)
        .chain(trend.iter().copied())
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.1).max(1.0);
    let ticks_all = ticks((lo - pad).max(0.0), hi + pad);
    let (lo, hi) = (
        ticks_all.first().copied().unwrap_or(0.0),
        ticks_all.last().copied().unwrap_or(1.0),
    );
    let y = move |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - (v - lo) / (hi - lo).max(1e-9));
    let x = move |i: usize| {
        if n <= 1 {
            (LEFT + W - RIGHT) / 2.0
        } else {
            LEFT + (W - LEFT - RIGHT) * i as f64 / (n - 1) as f64
        }
    };
    let line_of = |values: &mut dyn Iterator<Item = f64>| -> String {
        values
            .enumerate()
            .map(|(i, v)| format!("{}{:.1},{:.1}", if i == 0 { "M" } else { " L" }, x(i), y(v)))
            .collect()
    };
    let (class, path) = if trend.is_empty() {
        ("line", line_of(&mut marks.iter().map(|m| m.value)))
    } else {
        ("line trend", line_of(&mut trend.iter().copied()))
    };
    Frame {
        id,
        class: "line-chart",
        view_box: format!("0 0 {W} {H}"),
        title,
        desc,
        readout: newest(&marks, |m| &m.label),
    }
    .draw(view! {
            {grid(ticks_all, y)}
            {x_labels(&marks, x)}
            <path class=class d=path/>
            {marks.iter().enumerate().map(|(i, m)| view! {
                <circle class="point" cx=x(i) cy=y(m.value) r="4" data-i=i
                    role="img" aria-label=m.label.clone() tabindex=tab_stop(i, n)/>
            }).collect_view()}
    })
}

#[component]
pub fn BarChart(id: &'static str, title: String, desc: String, marks: Vec<Mark>) -> impl IntoView {
    let count = marks.len();
    let n = count.max(1);
    let top = marks.iter().map(|m| m.value).fold(0.0, f64::max).max(1.0);
    let ticks_all = ticks(0.0, top);
    let hi = ticks_all.last().copied().unwrap_or(top).max(top);
    let y = move |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - v / hi);
    let slot = (W - LEFT - RIGHT) / n as f64;
    let x = move |i: usize| LEFT + slot * (i as f64 + 0.5);
    Frame {
        id,
        class: "bar-chart",
        view_box: format!("0 0 {W} {H}"),
        title,
        desc,
        readout: newest(&marks, |m| &m.label),
    }
    .draw(view! {
            {grid(ticks_all, y)}
            {x_labels(&marks, x)}
            {marks.iter().enumerate().map(|(i, m)| {
                let top = y(m.value);
                view! {
                    <rect class="bar" x=x(i) - slot * 0.35 y=top width=slot * 0.7
                        height=(H - BOTTOM - top).max(0.0) rx="3" data-i=i
                        role="img" aria-label=m.label.clone() tabindex=tab_stop(i, count)/>
                }
            }).collect_view()}
    })
}

/// One cell of the calendar: its column (week), row (weekday), shade 0–4 and label.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub week: usize,
    pub weekday: usize,
    pub level: u8,
    pub label: String,
    /// Month name over the column where a month starts.
    pub month: Option<String>,
}

#[component]
pub fn HeatMap(id: &'static str, title: String, desc: String, cells: Vec<Cell>) -> impl IntoView {
    const SIZE: f64 = 11.0;
    const GAP: f64 = 2.5;
    const LEFT_PAD: f64 = 34.0;
    const TOP_PAD: f64 = 20.0;
    let weeks = cells.iter().map(|c| c.week + 1).max().unwrap_or(1);
    let width = LEFT_PAD + weeks as f64 * (SIZE + GAP);
    let height = TOP_PAD + 7.0 * (SIZE + GAP);
    let count = cells.len();
    let at = move |week: usize| LEFT_PAD + week as f64 * (SIZE + GAP);
    Frame {
        id,
        class: "heatmap",
        view_box: format!("0 0 {width} {height}"),
        title,
        desc,
        readout: newest(&cells, |c| &c.label),
    }
    .draw(view! {
            {["Mon", "Wed", "Fri"].iter().enumerate().map(|(k, d)| view! {
                <text class="x-label" x="0" y=TOP_PAD + (2 * k) as f64 * (SIZE + GAP) + SIZE - 1.0>{*d}</text>
            }).collect_view()}
            {cells.iter().filter_map(|c| c.month.clone().map(|m| view! {
                <text class="x-label" x=at(c.week) y="14">{m}</text>
            })).collect_view()}
            {cells.iter().enumerate().map(|(i, c)| view! {
                <rect class=format!("day l{}", c.level) x=at(c.week)
                    y=TOP_PAD + c.weekday as f64 * (SIZE + GAP) width=SIZE height=SIZE rx="2"
                    data-i=i role="img" aria-label=c.label.clone() tabindex=tab_stop(i, count)/>
            }).collect_view()}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 100.0), [0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(
            ticks(92.0, 131.0),
            [90.0, 100.0, 110.0, 120.0, 130.0, 140.0]
        );
        let t = ticks(0.0, 7.0);
        assert!(
            t.first() == Some(&0.0) && *t.last().unwrap() >= 7.0,
            "{t:?}"
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn long_tick_labels_are_fewer_than_short_ones() {
        let owner = Owner::new();
        owner.set();
        let marks = |tick: &str| -> Vec<Mark> {
            (0..60)
                .map(|i| Mark {
                    value: f64::from(i),
                    tick: tick.to_owned(),
                    label: String::new(),
                })
                .collect()
        };
        let count = |marks: Vec<Mark>| {
            x_labels(&marks, |i| i as f64)
                .to_html()
                .matches("class=\"x-label\"")
                .count()
        };
        assert_eq!(count(marks("3 Mar")), 8);
        assert_eq!(count(marks("Mar 2025")), 5);
    }
}
