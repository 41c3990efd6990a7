//! Where things go on the cluster diagram: pure geometry, so it is tested without a browser.
//! Nodes sit in zone regions (side by side, each zone's nodes in a grid) unless someone dragged
//! them elsewhere; every node box has the same height (the busiest node's), so nothing jumps as
//! pods come and go.

use std::collections::{BTreeMap, BTreeSet};

/// Width of a node box.
pub const NODE_WIDTH: f64 = 288.0;
/// Space between boxes and around the canvas.
pub const GAP: f64 = 24.0;
/// Height of a node's title block (name, role and status, taints, resource bars).
pub const NODE_HEADER: f64 = 124.0;
pub const CHIP_WIDTH: f64 = 124.0;
pub const CHIP_HEIGHT: f64 = 48.0;
/// Space between pod chips.
pub const CHIP_GAP: f64 = 12.0;
pub const CHIP_COLUMNS: usize = 2;
/// Room for this many rows of pods even when nodes are empty.
const MIN_ROWS: usize = 2;
/// Room above a zone's nodes for its name, and around them.
pub const ZONE_HEADER: f64 = 34.0;
pub const ZONE_PAD: f64 = 14.0;
/// Where the first zone's nodes start.
const ORIGIN: f64 = GAP + ZONE_HEADER;
/// The pending tray's title row.
const TRAY_TITLE: f64 = 46.0;

/// A point or a box corner on the canvas.
pub type Point = (f64, f64);

/// A zone drawn as a region around its nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub zone: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Region {
    pub fn contains(&self, (x, y): Point) -> bool {
        x >= self.x && x <= self.x + self.width && y >= self.y && y <= self.y + self.height
    }
}

/// Rows of chips a node box must hold for `pods` pods.
pub fn rows_for(pods: usize) -> usize {
    pods.div_ceil(CHIP_COLUMNS).max(MIN_ROWS)
}

pub fn node_height(rows: usize) -> f64 {
    NODE_HEADER + rows as f64 * (CHIP_HEIGHT + CHIP_GAP) + CHIP_GAP
}

/// Top-left corner of the `index`th pod chip inside its node box.
pub fn chip_origin(index: usize) -> Point {
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

/// How many chips fit side by side in a tray `width` wide.
pub fn tray_columns(width: f64) -> usize {
    (((width - 2.0 * GAP - 36.0) / (CHIP_WIDTH + CHIP_GAP)).floor() as usize).max(1)
}

/// Top-left corner of the `index`th chip in the pending tray, relative to the tray.
pub fn tray_chip_origin(index: usize, columns: usize) -> Point {
    let (column, row) = (index % columns, index / columns);
    (
        GAP + 18.0 + column as f64 * (CHIP_WIDTH + CHIP_GAP),
        TRAY_TITLE + row as f64 * (CHIP_HEIGHT + CHIP_GAP),
    )
}

/// The tray's height for `pods` pods in `columns` columns (one empty row when none wait).
pub fn tray_height(pods: usize, columns: usize) -> f64 {
    TRAY_TITLE + pods.div_ceil(columns).max(1) as f64 * (CHIP_HEIGHT + CHIP_GAP) + CHIP_GAP
}

/// Columns for a zone of `count` nodes: a row for a few, a square-ish grid for many.
fn zone_columns(count: usize) -> usize {
    if count <= 4 { count.max(1) } else { (count as f64).sqrt().ceil() as usize }
}

/// Where each node goes unless moved: zones side by side in name order (nodes without a zone
/// last), each zone's nodes in a grid in name order.
pub fn default_positions(
    nodes: &[(String, Option<String>)],
    height: f64,
) -> BTreeMap<String, Point> {
    let mut zones: BTreeMap<(bool, &str), Vec<&str>> = BTreeMap::new();
    for (name, zone) in nodes {
        zones.entry((zone.is_none(), zone.as_deref().unwrap_or(""))).or_default().push(name);
    }
    let mut positions = BTreeMap::new();
    let mut x = GAP + ZONE_PAD;
    for names in zones.values() {
        let columns = zone_columns(names.len());
        for (i, name) in names.iter().enumerate() {
            let (column, row) = ((i % columns) as f64, (i / columns) as f64);
            positions.insert(
                name.to_string(),
                (x + column * (NODE_WIDTH + GAP), ORIGIN + row * (height + GAP)),
            );
        }
        x += columns as f64 * (NODE_WIDTH + GAP) + 2.0 * ZONE_PAD + GAP;
    }
    positions
}

/// The region around each zone's nodes, in zone order.
pub fn zone_regions(
    nodes: &[(String, Option<String>)],
    positions: &BTreeMap<String, Point>,
    height: f64,
) -> Vec<Region> {
    let mut bounds: BTreeMap<&str, (f64, f64, f64, f64)> = BTreeMap::new();
    for (name, zone) in nodes {
        let (Some(zone), Some(&(x, y))) = (zone, positions.get(name)) else { continue };
        let b = bounds.entry(zone).or_insert((x, y, x, y));
        *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
    }
    bounds
        .into_iter()
        .map(|(zone, (x0, y0, x1, y1))| Region {
            zone: zone.to_string(),
            x: x0 - ZONE_PAD,
            y: y0 - ZONE_HEADER,
            width: x1 - x0 + NODE_WIDTH + 2.0 * ZONE_PAD,
            height: y1 - y0 + height + ZONE_HEADER + ZONE_PAD,
        })
        .collect()
}

/// The empty region right of everything where a dropped node starts a new zone.
pub fn new_zone_region(zone: String, positions: &BTreeMap<String, Point>, height: f64) -> Region {
    let right = positions.values().map(|&(x, _)| x + NODE_WIDTH).fold(0.0, f64::max);
    Region {
        zone,
        x: right + ZONE_PAD + GAP,
        y: ORIGIN - ZONE_HEADER,
        width: NODE_WIDTH + 2.0 * ZONE_PAD,
        height: height + ZONE_HEADER + ZONE_PAD,
    }
}

/// The first of `zone-a`, `zone-b`… that no node uses yet.
pub fn next_zone_name(used: &BTreeSet<String>) -> String {
    ('a'..='z')
        .map(|letter| format!("zone-{letter}"))
        .chain((1..).map(|n| format!("zone-{n}")))
        .find(|name| !used.contains(name))
        .unwrap_or_default()
}

/// The zone a node box dropped at `origin` lands in: the region holding its centre.
pub fn zone_at(regions: &[Region], origin: Point, height: f64) -> Option<&Region> {
    let centre = (origin.0 + NODE_WIDTH / 2.0, origin.1 + height / 2.0);
    regions.iter().find(|r| r.contains(centre))
}

/// The canvas size holding every node and region, and where the pending tray starts.
pub fn canvas(positions: &BTreeMap<String, Point>, regions: &[Region], height: f64) -> (f64, f64) {
    let mut right = 2.0 * GAP + NODE_WIDTH;
    let mut bottom = ORIGIN + height;
    for &(x, y) in positions.values() {
        right = right.max(x + NODE_WIDTH + ZONE_PAD);
        bottom = bottom.max(y + height + ZONE_PAD);
    }
    for r in regions {
        right = right.max(r.x + r.width);
        bottom = bottom.max(r.y + r.height);
    }
    (right + GAP, bottom + GAP)
}

/// A moved node stays on the canvas.
pub fn clamp(origin: Point) -> Point {
    (origin.0.max(GAP), origin.1.max(ORIGIN))
}

/// Layouts as saved in localStorage: `name x y` per line.
pub fn encode(positions: &BTreeMap<String, Point>) -> String {
    positions.iter().map(|(name, (x, y))| format!("{name} {x:.0} {y:.0}\n")).collect()
}

/// Reads a saved layout, skipping lines it does not understand.
pub fn decode(text: &str) -> BTreeMap<String, Point> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?.to_string();
            let x = words.next()?.parse().ok()?;
            let y = words.next()?.parse().ok()?;
            Some((name, clamp((x, y))))
        })
        .collect()
}

/// The localStorage key of a layout: one per lesson, one for the free lab.
pub fn storage_key(lesson: Option<&str>) -> String {
    match lesson {
        Some(id) => format!("kubelab.layout.{id}"),
        None => "kubelab.layout".to_string(),
    }
}

/// Width of a box in the columns beside the cluster (Ingresses and Services; claims; volumes).
pub const SIDE_WIDTH: f64 = 236.0;
/// Height of a Service, claim or volume box; an Ingress adds a line per route.
pub const SIDE_BOX: f64 = 66.0;
pub const SIDE_LINE: f64 = 16.0;

/// Left edge of side column `column`, right of everything at `right`.
pub fn side_x(right: f64, column: usize) -> f64 {
    right + GAP + column as f64 * (SIDE_WIDTH + GAP)
}

/// Top edge of each box in a side column, stacked from the top in order.
pub fn side_stack(heights: &[f64]) -> Vec<f64> {
    let mut y = ORIGIN - ZONE_HEADER;
    heights
        .iter()
        .map(|h| {
            let top = y;
            y += h + GAP / 2.0;
            top
        })
        .collect()
}

/// How far a stacked side column reaches down.
pub fn side_bottom(heights: &[f64]) -> f64 {
    ORIGIN - ZONE_HEADER + heights.iter().map(|h| h + GAP / 2.0).sum::<f64>()
}

/// The diagram's view of its canvas: screen = canvas × scale + (x, y), in CSS pixels of the
/// panel. Pan and zoom change only this, so they move one transform, never the drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    pub x: f64,
    pub y: f64,
    pub scale: f64,
}

/// Zoom never goes past this many screen pixels per canvas unit.
pub const MAX_SCALE: f64 = 4.0;
/// "Fit" never blows a small cluster up past this.
const MAX_FIT: f64 = 1.25;

impl Camera {
    /// The whole canvas in the panel, centred across, from the top.
    pub fn fit(canvas: (f64, f64), panel: (f64, f64)) -> Camera {
        if canvas.0 <= 0.0 || canvas.1 <= 0.0 || panel.0 <= 0.0 || panel.1 <= 0.0 {
            return Camera { x: 0.0, y: 0.0, scale: 1.0 };
        }
        let scale = (panel.0 / canvas.0).min(panel.1 / canvas.1).min(MAX_FIT);
        Camera { x: (panel.0 - canvas.0 * scale) / 2.0, y: 0.0, scale }
    }

    /// Zooms by `factor` keeping the canvas point under `at` (panel pixels) where it is;
    /// the scale stays between half the fitting scale and [`MAX_SCALE`].
    pub fn zoom_at(self, factor: f64, at: Point, fit_scale: f64) -> Camera {
        let min = (fit_scale / 2.0).min(1.0);
        let scale = (self.scale * factor).clamp(min, MAX_SCALE.max(min));
        let ratio = scale / self.scale;
        Camera { x: at.0 - (at.0 - self.x) * ratio, y: at.1 - (at.1 - self.y) * ratio, scale }
    }

    pub fn pan(self, by: Point) -> Camera {
        Camera { x: self.x + by.0, y: self.y + by.1, ..self }
    }

    /// The canvas point under a point of the panel.
    #[cfg(test)]
    pub fn to_canvas(self, at: Point) -> Point {
        ((at.0 - self.x) / self.scale, (at.1 - self.y) / self.scale)
    }
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

    fn nodes(list: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        list.iter().map(|(n, z)| (n.to_string(), z.map(str::to_string))).collect()
    }

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
    fn nodes_keep_room_for_two_rows_and_grow_after() {
        assert_eq!(rows_for(0), 2);
        assert_eq!(rows_for(4), 2);
        assert_eq!(rows_for(5), 3);
        let (_, y_last) = chip_origin(5);
        assert!(y_last + CHIP_HEIGHT <= node_height(rows_for(6)));
    }

    #[test]
    fn a_small_zone_is_a_row_and_zones_sit_side_by_side() {
        let list = nodes(&[
            ("controlplane", Some("zone-a")),
            ("node01", Some("zone-a")),
            ("node02", Some("zone-b")),
        ]);
        let height = node_height(2);
        let positions = default_positions(&list, height);
        assert_eq!(positions["controlplane"].1, positions["node01"].1);
        assert!(positions["node01"].0 >= positions["controlplane"].0 + NODE_WIDTH);
        let regions = zone_regions(&list, &positions, height);
        assert_eq!(regions.len(), 2);
        assert!(regions[0].x + regions[0].width < regions[1].x, "zones do not overlap");
        assert_eq!(zone_at(&regions, positions["node02"], height).unwrap().zone, "zone-b");
    }

    #[test]
    fn a_hundred_nodes_make_a_square_grid() {
        let list: Vec<_> = (0..100).map(|i| (format!("node{i:03}"), Some("z".into()))).collect();
        let height = node_height(5);
        let positions = default_positions(&list, height);
        let columns: BTreeSet<i64> = positions.values().map(|p| p.0 as i64).collect();
        assert_eq!(columns.len(), 10);
        let (width, _) = canvas(&positions, &zone_regions(&list, &positions, height), height);
        assert!(width < 11.0 * (NODE_WIDTH + GAP) + 2.0 * GAP);
    }

    #[test]
    fn a_node_dropped_right_of_everything_starts_a_new_zone() {
        let list = nodes(&[("node01", Some("zone-a")), ("node02", Some("zone-a"))]);
        let height = node_height(2);
        let positions = default_positions(&list, height);
        let used = BTreeSet::from(["zone-a".to_string()]);
        let fresh = new_zone_region(next_zone_name(&used), &positions, height);
        assert_eq!(fresh.zone, "zone-b");
        let dropped = (fresh.x + ZONE_PAD, fresh.y + ZONE_HEADER);
        assert_eq!(zone_at(&[fresh], dropped, height).map(|r| r.zone.as_str()), Some("zone-b"));
    }

    #[test]
    fn layouts_survive_a_round_trip_and_bad_lines() {
        let positions = BTreeMap::from([("node01".to_string(), (100.0, 200.0))]);
        let text = encode(&positions) + "garbage\nnode02 x 3\n";
        assert_eq!(decode(&text), positions);
        assert_eq!(storage_key(Some("pods")), "kubelab.layout.pods");
        assert_eq!(storage_key(None), "kubelab.layout");
    }

    #[test]
    fn the_tray_wraps_its_chips() {
        let columns = tray_columns(700.0);
        assert_eq!(columns, 4);
        assert_eq!(tray_chip_origin(4, columns).0, tray_chip_origin(0, columns).0);
        assert!(tray_height(5, columns) > tray_height(4, columns));
    }

    #[test]
    fn zooming_keeps_the_point_under_the_pointer_in_place() {
        let camera = Camera::fit((2000.0, 1000.0), (1000.0, 800.0));
        assert_eq!(camera, Camera { x: 0.0, y: 0.0, scale: 0.5 });
        let at = (300.0, 200.0);
        let before = camera.to_canvas(at);
        let zoomed = camera.zoom_at(2.0, at, camera.scale);
        assert_eq!(zoomed.scale, 1.0);
        assert_eq!(zoomed.to_canvas(at), before);
        let far = zoomed.zoom_at(100.0, at, camera.scale);
        assert_eq!(far.scale, MAX_SCALE);
        assert_eq!(zoomed.zoom_at(0.01, at, camera.scale).scale, 0.25);
        assert_eq!(zoomed.pan((10.0, -5.0)).to_canvas((10.0, -5.0)), zoomed.to_canvas((0.0, 0.0)));
    }

    #[test]
    fn a_small_cluster_is_fitted_without_blowing_it_up_and_centred() {
        let camera = Camera::fit((400.0, 300.0), (1000.0, 800.0));
        assert_eq!(camera.scale, 1.25);
        assert_eq!(camera.x, (1000.0 - 500.0) / 2.0);
    }

    #[test]
    fn side_boxes_stack_down_their_column() {
        let tops = side_stack(&[SIDE_BOX, SIDE_BOX + 2.0 * SIDE_LINE, SIDE_BOX]);
        assert_eq!(tops[1] - tops[0], SIDE_BOX + GAP / 2.0);
        assert_eq!(tops[2] - tops[1], SIDE_BOX + 2.0 * SIDE_LINE + GAP / 2.0);
        assert!(side_bottom(&[SIDE_BOX]) > tops[0] + SIDE_BOX);
        assert_eq!(side_x(1000.0, 1) - side_x(1000.0, 0), SIDE_WIDTH + GAP);
    }

    #[test]
    fn long_names_are_shortened() {
        assert_eq!(fit("web", 8), "web");
        assert_eq!(fit("web-7d4b9c7f6d-x2x9z", 8), "web-7d4…");
    }
}
