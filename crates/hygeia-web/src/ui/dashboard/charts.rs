//! The SVG bar chart component of the dashboard (laid out on the server; the template
//! `_bar_chart.html` draws it with a title, a description and a data table).

use super::super::i18n::Tr;

/// One bar of a chart, laid out on the server.
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub label: String,
    pub value: String,
    pub href: String,
    pub class: &'static str,
    /// Text under the bar (not every bar has one when there are many).
    pub axis: Option<String>,
    pub axis_x: i64,
}

/// A horizontal grid line with its value.
pub struct Grid {
    pub y: i64,
    pub label: String,
}

/// A bar chart rendered as SVG with a title, a description and a data table.
pub struct BarChart {
    pub id: &'static str,
    pub title: String,
    pub desc: String,
    pub label_header: String,
    pub value_header: String,
    pub width: i64,
    pub height: i64,
    pub base: i64,
    pub left: i64,
    pub bars: Vec<Bar>,
    pub grid: Vec<Grid>,
}

/// One data point of a chart.
pub struct Point {
    pub label: String,
    pub value: i64,
    pub href: String,
    pub class: &'static str,
    pub axis: Option<String>,
}

impl BarChart {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tr: Tr,
        id: &'static str,
        title: String,
        desc: String,
        label_header: String,
        value_header: String,
        points: Vec<Point>,
    ) -> Self {
        Self::scaled(
            tr,
            id,
            [title, desc, label_header, value_header],
            points,
            None,
        )
    }

    /// A chart of percentages: the scale always runs to 100.
    pub fn percent(tr: Tr, id: &'static str, texts: [String; 4], points: Vec<Point>) -> Self {
        Self::scaled(tr, id, texts, points, Some(100))
    }

    fn scaled(
        tr: Tr,
        id: &'static str,
        [title, desc, label_header, value_header]: [String; 4],
        points: Vec<Point>,
        scale: Option<i64>,
    ) -> Self {
        let (width, height, left, right, top, bottom) = (640i64, 220i64, 44i64, 8i64, 12i64, 36i64);
        let base = height - bottom;
        let max = points
            .iter()
            .map(|p| p.value)
            .max()
            .unwrap_or(0)
            .max(scale.unwrap_or(1))
            .max(1);
        // A round top for the scale: 1, 2, 5 × 10^n.
        let mut top_value = 1i64;
        'scale: for magnitude in [1i64, 10, 100, 1_000, 10_000, 100_000, 1_000_000] {
            for step in [1, 2, 5] {
                if step * magnitude >= max {
                    top_value = step * magnitude;
                    break 'scale;
                }
            }
            top_value = max;
        }
        let plot = base - top;
        let count = i64::try_from(points.len()).unwrap_or(1).max(1);
        let slot = (width - left - right) / count;
        let bar_width = (slot * 7 / 10).max(2);
        let bars = points
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let i = i64::try_from(i).unwrap_or(0);
                let h = p.value * plot / top_value;
                let x = left + i * slot + (slot - bar_width) / 2;
                Bar {
                    x,
                    y: base - h,
                    w: bar_width,
                    h,
                    value: tr.num(p.value),
                    label: p.label,
                    href: p.href,
                    class: p.class,
                    axis: p.axis,
                    axis_x: x + bar_width / 2,
                }
            })
            .collect();
        let grid = [0, top_value / 2, top_value]
            .into_iter()
            .map(|v| Grid {
                y: base - v * plot / top_value,
                label: tr.num(v),
            })
            .collect();
        Self {
            id,
            title,
            desc,
            label_header,
            value_header,
            width,
            height,
            base,
            left,
            bars,
            grid,
        }
    }
}

/// Text under a bar, shortened to what its slot holds.
pub fn axis_text(text: &str, bars: usize) -> Option<String> {
    let slot = 588 / i64::try_from(bars.max(1)).unwrap_or(1);
    let room = usize::try_from(slot / 7).unwrap_or(0);
    if room < 3 {
        return None;
    }
    if text.chars().count() <= room {
        return Some(text.to_owned());
    }
    let short: String = text.chars().take(room.saturating_sub(1)).collect();
    Some(format!("{}…", short.trim_end()))
}

/// A percentage rounded for a bar (`None` if there is nothing to score).
pub fn rounded_percent(value: Option<f64>) -> Option<i64> {
    value
        .filter(|p| p.is_finite())
        .map(|p| p.clamp(0.0, 100.0).round() as i64)
}

/// A count as a bar value.
pub fn len(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
