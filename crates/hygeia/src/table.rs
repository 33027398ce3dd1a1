//! Plain-text tables for the terminal: each column as wide as its widest cell (measured in
//! terminal columns, so accented, combined and wide characters line up), text left-aligned,
//! numbers right-aligned, no trailing spaces.

use unicode_width::UnicodeWidthStr;

/// How a column's cells sit in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table being filled row by row.
#[derive(Debug)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

/// Terminal columns taken by `text`.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// A cell on one line: control characters (line breaks, tabs, escapes) become spaces, so a
/// value read from a capture cannot break the layout or drive the terminal.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl Table {
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Self {
            columns: columns
                .iter()
                .map(|(title, align)| ((*title).to_owned(), *align))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty, extra cells are dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells: Vec<String> = cells.iter().map(|c| one_line(c)).collect();
        cells.resize(self.columns.len(), String::new());
        self.rows.push(cells);
    }

    /// The table with its header, each line starting with `indent`.
    pub fn render(&self, indent: &str) -> String {
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (title, _))| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(i))
                    .map(|cell| width(cell))
                    .chain([width(title)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let header: Vec<String> = self.columns.iter().map(|(t, _)| t.clone()).collect();
        let mut out = String::new();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = indent.to_owned();
            for (i, ((cell, (_, align)), w)) in
                row.iter().zip(&self.columns).zip(&widths).enumerate()
            {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = " ".repeat(w.saturating_sub(width(cell)));
                match align {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&pad);
                    }
                    Align::Right => {
                        line.push_str(&pad);
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_whatever_the_characters() {
        let mut t = Table::new(&[("name", Align::Left), ("packets", Align::Right)]);
        t.row(vec!["Préparation stérile".into(), "7".into()]);
        // "e" + combining acute accent: two chars, one column.
        t.row(vec!["Ligne 2 Cre\u{301}me".into(), "1,024".into()]);
        t.row(vec!["分析装置".into(), "12".into()]);
        let text = t.render("  ");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        // Every line is as wide as the header once the right-aligned column ends it.
        let widths: Vec<usize> = lines.iter().map(|l| width(l)).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}\n{text}");
        // Numbers are right-aligned under their header.
        assert!(lines[1].ends_with("      7"), "{text}");
        assert!(lines[2].ends_with("  1,024"), "{text}");
        assert_eq!(width("分析装置"), 8);
    }

    #[test]
    fn no_trailing_spaces_and_no_control_characters() {
        let mut t = Table::new(&[("a", Align::Left), ("b", Align::Left)]);
        t.row(vec!["x\ny".into(), "".into()]);
        t.row(vec!["\u{1b}[31mred".into()]);
        let text = t.render("");
        assert!(text.lines().all(|l| !l.ends_with(' ')), "{text:?}");
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("x y"));
    }
}
