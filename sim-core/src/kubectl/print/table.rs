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
}
