//! Where things go on the cluster diagram: pure geometry, so it is tested without a browser.
//! Every node box has the same height (the busiest node's), so nothing jumps as pods come and go.

/// Width of a node box.
pub const NODE_WIDTH: f64 = 288.0;
/// Space between boxes and around the canvas.
pub const GAP: f64 = 24.0;
/// Height of a node's title block (name, role and status, taints).
pub const NODE_HEADER: f64 = 84.0;
pub const CHIP_WIDTH: f64 = 124.0;
pub const CHIP_HEIGHT: f64 = 48.0;
/// Space between pod chips.
pub const CHIP_GAP: f64 = 12.0;
pub const CHIP_COLUMNS: usize = 2;
/// Room for this many rows of pods even when nodes are empty.
const MIN_ROWS: usize = 3;
/// Height of the tray of pods waiting for a node.
pub const TRAY_HEIGHT: f64 = 112.0;

/// Rows of chips a node box must hold for `pods` pods.
pub fn rows_for(pods: usize) -> usize {
    pods.div_ceil(CHIP_COLUMNS).max(MIN_ROWS)
}

pub fn node_height(rows: usize) -> f64 {
    NODE_HEADER + rows as f64 * (CHIP_HEIGHT + CHIP_GAP) + CHIP_GAP
}

/// Top-left corner of the `index`th node box.
pub fn node_origin(index: usize) -> (f64, f64) {
    (GAP + index as f64 * (NODE_WIDTH + GAP), GAP)
}

/// Top-left corner of the `index`th pod chip inside its node box.
pub fn chip_origin(index: usize) -> (f64, f64) {
    let column = (index % CHIP_COLUMNS) as f64;
    let row = (index / CHIP_COLUMNS) as f64;
    let inset =
        (NODE_WIDTH - CHIP_COLUMNS as f64 * CHIP_WIDTH - (CHIP_COLUMNS - 1) as f64 * CHIP_GAP)
            / 2.0;
    (
        inset + column * (CHIP_WIDTH + CHIP_GAP),
        NODE_HEADER + row * (CHIP_HEIGHT + CHIP_GAP) + CHIP_GAP,
    )
}

/// Top-left corner of the `index`th chip in the pending tray, relative to the tray.
pub fn tray_chip_origin(index: usize) -> (f64, f64) {
    (GAP + 18.0 + index as f64 * (CHIP_WIDTH + CHIP_GAP), 46.0)
}

/// The canvas size for `nodes` nodes of `rows` rows, and where the pending tray starts.
pub fn canvas(nodes: usize, rows: usize) -> (f64, f64, f64) {
    let width = GAP + nodes.max(1) as f64 * (NODE_WIDTH + GAP);
    let tray_y = GAP + node_height(rows) + GAP;
    (width, tray_y + TRAY_HEIGHT + GAP, tray_y)
}

/// Shortens `text` to `max` characters with an ellipsis (SVG text does not wrap or clip).
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chips_fill_two_columns_inside_the_node() {
        let (x0, y0) = chip_origin(0);
        let (x1, y1) = chip_origin(1);
        let (x2, y2) = chip_origin(2);
        assert_eq!(y0, y1);
        assert!(x1 > x0 + CHIP_WIDTH);
        assert_eq!((x2, y2 > y0), (x0, true));
        assert!(x1 + CHIP_WIDTH <= NODE_WIDTH);
    }

    #[test]
    fn nodes_keep_room_for_three_rows_and_grow_after() {
        assert_eq!(rows_for(0), 3);
        assert_eq!(rows_for(6), 3);
        assert_eq!(rows_for(7), 4);
        let (_, y_last) = chip_origin(5);
        assert!(y_last + CHIP_HEIGHT <= node_height(rows_for(6)));
    }

    #[test]
    fn canvas_fits_every_node_and_the_tray() {
        let (width, height, tray_y) = canvas(3, 3);
        let (x, _) = node_origin(2);
        assert!(x + NODE_WIDTH < width);
        assert!(tray_y + TRAY_HEIGHT < height);
    }

    #[test]
    fn long_names_are_shortened() {
        assert_eq!(fit("web", 8), "web");
        assert_eq!(fit("web-7d4b9c7f6d-x2x9z", 8), "web-7d4…");
    }
}
