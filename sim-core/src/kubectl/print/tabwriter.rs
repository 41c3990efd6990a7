//! Go's `text/tabwriter`, which kubectl writes all its tables and `describe` output through:
//! tab-terminated cells are aligned in column blocks (consecutive lines that have a cell in
//! that column); the last cell of a line is never padded.

/// Aligns `text` as a tabwriter with this minimum cell width and padding (spaces) would.
pub fn format(text: &str, min_width: usize, padding: usize) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|line| line.split('\t').collect()).collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut widths = Vec::new();
    format_block(&lines, 0, lines.len(), &mut widths, min_width, padding, &mut out);
    // `split` gives one empty line after a final newline; it was written with a newline of
    // its own, so drop the extra one.
    if text.ends_with('\n') {
        out.pop();
    }
    out
}

fn format_block(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    min_width: usize,
    padding: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        // A block for this column starts here: print the lines before it.
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut width = min_width;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].chars().count() + padding);
            this += 1;
        }
        widths.push(width);
        format_block(lines, line0, this, widths, min_width, padding, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for line in &lines[from..to] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j + 1 < line.len() && j < widths.len() {
                out.extend(std::iter::repeat_n(
                    ' ',
                    widths[j].saturating_sub(cell.chars().count()),
                ));
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_each_block_on_its_own() {
        let text = "Name:\tweb\nService Account:\tdefault\nIPs:\n  IP:\t10.0.0.1\n";
        assert_eq!(
            format(text, 0, 2),
            "Name:             web\nService Account:  default\nIPs:\n  IP:  10.0.0.1\n"
        );
    }

    #[test]
    fn kubectl_table_settings() {
        assert_eq!(format("A\tB\nx\ty\n", 6, 3), "A     B\nx     y\n");
        assert_eq!(format("NAME\tAGE\nnginx\t5s\n", 6, 3), "NAME    AGE\nnginx   5s\n");
    }

    #[test]
    fn nested_columns_align_within_their_block() {
        let text = "a\tb\tc\naa\tbbb\tc\nx\ty\n";
        assert_eq!(format(text, 0, 1), "a  b   c\naa bbb c\nx  y\n");
    }
}
