//! kubectl's table layout: Go's tabwriter as kubectl configures it (minimum cell width 6,
//! padding 3, spaces), where the last column is never padded.

const MIN_WIDTH: usize = 6;
const PADDING: usize = 3;

/// A table to print: a header row and data rows of the same width.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table { rows: vec![header.iter().map(|h| h.to_string()).collect()] }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let text: String = self.rows.iter().map(|row| row.join("\t") + "\n").collect();
        super::tabwriter::format(&text, MIN_WIDTH, PADDING)
    }
}

impl Table {
    /// Renders with column widths that only grow across calls (kubectl's tabwriter in watch
    /// mode), so rows printed later line up with earlier ones; the header only if asked.
    pub fn render_remembering(&self, widths: &mut Vec<usize>, with_header: bool) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        widths.resize(widths.len().max(columns), MIN_WIDTH);
        for row in &self.rows {
            // The last cell of a row is never padded, so it does not widen its column.
            for (i, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
                widths[i] = widths[i].max(cell.chars().count() + PADDING);
            }
        }
        let mut out = String::new();
        for row in self.rows.iter().skip(usize::from(!with_header)) {
            for (i, cell) in row.iter().enumerate() {
                out.push_str(cell);
                if i + 1 < row.len() {
                    out.extend(std::iter::repeat_n(' ', widths[i] - cell.chars().count()));
                }
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_like_kubectl() {
        let mut table = Table::new(&["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
        table.row(vec!["nginx".into(), "1/1".into(), "Running".into(), "0".into(), "5s".into()]);
        assert_eq!(
            table.render(),
            "NAME    READY   STATUS    RESTARTS   AGE\nnginx   1/1     Running   0          5s\n"
        );
    }

    #[test]
    fn short_columns_get_the_minimum_width() {
        let mut table = Table::new(&["A", "B"]);
        table.row(vec!["x".into(), "y".into()]);
        assert_eq!(table.render(), "A     B\nx     y\n");
    }

    #[test]
    fn remembered_widths_only_grow() {
        let mut widths = Vec::new();
        let mut first = Table::new(&["NAME", "STATUS", "AGE"]);
        first.row(vec!["web".into(), "ContainerCreating".into(), "0s".into()]);
        let mut second = Table::new(&["NAME", "STATUS", "AGE"]);
        second.row(vec!["web".into(), "Running".into(), "3s".into()]);
        assert_eq!(
            first.render_remembering(&mut widths, true)
                + &second.render_remembering(&mut widths, false),
            "NAME   STATUS              AGE\nweb    ContainerCreating   0s\nweb    Running             3s\n"
        );
    }
}
