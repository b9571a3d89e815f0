//! Aligned columns for people: `list`, `status` and `history` print their tables with this.

use std::fmt::Write;

/// The colour of a cell on a terminal, as an ANSI SGR code (`"32"` green).
pub(crate) type Paint<'a> = &'a dyn Fn(usize, &str) -> Option<&'static str>;

/// `header` and `rows` in columns two spaces apart, the last column unpadded; with `paint`,
/// cells it names a colour for are coloured (after padding, so colour never shifts a column).
pub(crate) fn render(header: &[&str], rows: &[Vec<String>], paint: Option<Paint<'_>>) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut table = String::new();
    let mut line = |cells: &[&str], painted: bool| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            let last = i + 1 == cells.len();
            let padded = if last {
                (*cell).to_owned()
            } else {
                format!("{cell:<width$}  ")
            };
            match paint.filter(|_| painted).and_then(|paint| paint(i, cell)) {
                Some(code) => {
                    let trimmed = padded.trim_end();
                    let _ = write!(
                        text,
                        "\u{1b}[{code}m{trimmed}\u{1b}[0m{}",
                        &padded[trimmed.len()..]
                    );
                }
                None => text.push_str(&padded),
            }
        }
        table.push_str(text.trim_end());
        table.push('\n');
    };
    line(header, false);
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&cells, true);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_colour_does_not_shift_them() {
        let rows = vec![
            vec!["a".to_owned(), "failed".to_owned(), "x".to_owned()],
            vec!["longer".to_owned(), "ok".to_owned(), "y".to_owned()],
        ];
        let plain = render(&["TASK", "STATUS", "NOTE"], &rows, None);
        assert_eq!(
            plain,
            "TASK    STATUS  NOTE\na       failed  x\nlonger  ok      y\n"
        );
        let red = |column: usize, cell: &str| (column == 1 && cell == "failed").then_some("31");
        let coloured = render(&["TASK", "STATUS", "NOTE"], &rows, Some(&red));
        assert_eq!(
            coloured.replace("\u{1b}[31m", "").replace("\u{1b}[0m", ""),
            plain
        );
        assert!(coloured.contains("\u{1b}[31mfailed\u{1b}[0m  x"));
    }
}
