//! The inspector's charts: a pod's restart waits, its rollout's replicas per ReplicaSet and the
//! requests its namespace's pods served; a node's requested and used CPU and memory. Each is
//! plain data read from sim-core's series (with a summary and a data table as its text
//! alternative) and an SVG drawn from it with plotters. Lines differ by marker and dash as well
//! as colour and carry their names at their ends; text from objects (names) is escaped by
//! plotters' SVG writer.

use crate::timeline::clock;
use plotters::prelude::*;
use sim_core::Simulation;
use sim_core::series::NodePoint;
use sim_core::sim::SESSION_START;
use sim_core::time::SimTime;
use std::time::Duration;

const WIDTH: u32 = 440;
const HEIGHT: u32 = 220;
/// Okabe and Ito's colours, told apart by most forms of colour blindness.
const COLOURS: [RGBColor; 5] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0xe6, 0x9f, 0x00),
];
const MIB: f64 = 1024.0 * 1024.0;

/// One chart: what it shows in words and numbers, and what to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub title: String,
    /// One or two sentences saying what the chart shows (its text alternative).
    pub summary: String,
    pub plot: Plot,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Plot {
    /// Lines over cluster time (x in seconds since the session started).
    Lines {
        y_label: &'static str,
        lines: Vec<Line>,
        /// Values hold until the next point (counts), drawn as steps up to `until`.
        steps: bool,
        until: f64,
    },
    /// Horizontal bars, one per label.
    Bars { x_label: &'static str, bars: Vec<(String, f64)> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

fn seconds(at: SimTime) -> f64 {
    at.since(SESSION_START).as_secs_f64()
}

fn at_clock(at: SimTime) -> String {
    clock(at.since(SESSION_START))
}

/// The waits before each restart of a pod's containers.
pub fn restarts(sim: &Simulation, uid: &str) -> Option<Chart> {
    let recorded = sim.series().restarts(uid)?;
    let mut lines: Vec<Line> = Vec::new();
    let mut rows = Vec::new();
    for (number, restart) in recorded.restarts.iter().enumerate() {
        let point = (seconds(restart.at), restart.waited.as_secs_f64());
        match lines.iter_mut().find(|l| l.name == restart.container) {
            Some(line) => line.points.push(point),
            None => lines.push(Line { name: restart.container.clone(), points: vec![point] }),
        }
        rows.push(vec![
            (number + 1).to_string(),
            restart.container.clone(),
            at_clock(restart.at),
            duration(restart.waited),
        ]);
    }
    let last = recorded.restarts.last()?;
    let summary = format!(
        "{} restarts recorded for pod {}; the last, at {}, came after a wait of {}.",
        recorded.restarts.len(),
        recorded.name,
        at_clock(last.at),
        duration(last.waited),
    );
    Some(Chart {
        title: "Restart back-off".into(),
        summary,
        plot: Plot::Lines { y_label: "waited (s)", lines, steps: false, until: 0.0 },
        headers: vec!["Restart", "Container", "At", "Waited"],
        rows,
    })
}

/// The replicas of every ReplicaSet of the Deployment owning `replica_set` (or of that set
/// alone), as `kubectl get rs` counts them.
pub fn replicas(sim: &Simulation, namespace: &str, replica_set: &str) -> Option<Chart> {
    let series = sim.series();
    let owner = series
        .replica_sets(namespace, None)
        .find(|r| r.name == replica_set)
        .and_then(|r| r.owner.clone());
    let sets: Vec<_> = series
        .replica_sets(namespace, owner.as_deref())
        .filter(|r| owner.is_some() || r.name == replica_set)
        .collect();
    if sets.is_empty() {
        return None;
    }
    let mut rows: Vec<(SimTime, Vec<String>)> = Vec::new();
    let lines = sets
        .iter()
        .map(|set| {
            for p in &set.points {
                let row = vec![
                    at_clock(p.at),
                    set.name.clone(),
                    p.desired.to_string(),
                    p.current.to_string(),
                    p.ready.to_string(),
                ];
                rows.push((p.at, row));
            }
            Line {
                name: set.name.clone(),
                points: set.points.iter().map(|p| (seconds(p.at), f64::from(p.current))).collect(),
            }
        })
        .collect();
    sim_core::sort::sort_by_key(&mut rows, |(at, _)| *at);
    let now: Vec<String> = sets
        .iter()
        .filter_map(|s| Some(format!("{} {}", s.name, s.points.last()?.current)))
        .collect();
    let whose = owner.map_or(format!("ReplicaSet {replica_set}"), |d| format!("Deployment {d}"));
    Some(Chart {
        title: "Replicas per ReplicaSet".into(),
        summary: format!("Pods of each ReplicaSet of {whose} over time; now: {}.", now.join(", ")),
        plot: Plot::Lines {
            y_label: "replicas",
            lines,
            steps: true,
            // Drawn again every 5 s of cluster time, not at every tick.
            until: (seconds(sim.now()) / 5.0).floor() * 5.0,
        },
        headers: vec!["At", "ReplicaSet", "Desired", "Current", "Ready"],
        rows: rows.into_iter().map(|(_, row)| row).collect(),
    })
}

/// Requests the network delivered to each pod of a namespace that served any.
pub fn requests(sim: &Simulation, namespace: &str, pod: &str) -> Option<Chart> {
    let served: Vec<_> = sim.series().requests(namespace).collect();
    if served.is_empty() {
        return None;
    }
    let total: u64 = served.iter().map(|s| s.total).sum();
    let bars = served
        .iter()
        .map(|s| {
            let marker = if s.name == pod { " (this pod)" } else { "" };
            (format!("{}{marker}", s.name), s.total as f64)
        })
        .collect();
    let rows = served
        .iter()
        .map(|s| {
            vec![s.name.clone(), s.total.to_string(), format!("{}%", s.total * 100 / total.max(1))]
        })
        .collect();
    Some(Chart {
        title: "Requests served per pod".into(),
        summary: format!(
            "{total} requests reached {} pods of namespace {namespace}.",
            served.len()
        ),
        plot: Plot::Bars { x_label: "requests", bars },
        headers: vec!["Pod", "Requests", "Share"],
        rows,
    })
}

/// A node's requested and used CPU and memory on the sampling grid.
pub fn node(sim: &Simulation, name: &str) -> Vec<Chart> {
    let samples = sim.series().node(name);
    let Some(last) = samples.last() else { return Vec::new() };
    let chart = |title: &str,
                 unit: &'static str,
                 value: fn(&NodePoint) -> (f64, f64),
                 shown: fn(f64) -> String| {
        let line = |name: &str, pick: fn((f64, f64)) -> f64| Line {
            name: name.into(),
            points: samples.iter().map(|p| (seconds(p.at), pick(value(p)))).collect(),
        };
        let (requested, used) = value(last);
        Chart {
            title: format!("{title} of node {name}"),
            summary: format!(
                "{title} requested by the node's pods and used, every 15 s; now {} requested, {} used.",
                shown(requested),
                shown(used)
            ),
            plot: Plot::Lines {
                y_label: unit,
                lines: vec![line("requested", |v| v.0), line("used", |v| v.1)],
                steps: true,
                until: seconds(last.at),
            },
            headers: vec!["At", "Requested", "Used"],
            rows: samples
                .iter()
                .map(|p| {
                    let (r, u) = value(p);
                    vec![at_clock(p.at), shown(r), shown(u)]
                })
                .collect(),
        }
    };
    vec![
        chart(
            "CPU",
            "millicores",
            |p| (p.cpu_requested_millis as f64, p.cpu_used_millis as f64),
            |v| format!("{v}m"),
        ),
        chart(
            "Memory",
            "MiB",
            |p| (p.memory_requested_bytes as f64 / MIB, p.memory_used_bytes as f64 / MIB),
            |v| format!("{}Mi", v.round()),
        ),
    ]
}

/// `10s`, `5m0s`: Go's duration form, as the kubelet's back-off messages word it.
fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 { format!("{}m{}s", s / 60, s % 60) } else { format!("{s}s") }
}

/// The chart as SVG markup.
pub fn svg(plot: &Plot) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        // A drawing error leaves a partial picture; the data table still says it all.
        let _ = match plot {
            Plot::Lines { y_label, lines, steps, until } => {
                draw_lines(&root, y_label, lines, *steps, *until)
            }
            Plot::Bars { x_label, bars } => draw_bars(&root, x_label, bars),
        };
        let _ = root.present();
    }
    // The picture's words are its wrapper's (a labelled image with a data table beside it).
    out.replacen("<svg ", "<svg aria-hidden=\"true\" focusable=\"false\" ", 1)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type Drawn = Result<(), Box<dyn std::error::Error>>;

fn draw_lines(root: &Area, y_label: &str, lines: &[Line], steps: bool, until: f64) -> Drawn {
    let points = || lines.iter().flat_map(|l| l.points.iter());
    let x_min = points().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_max = points().map(|p| p.0).fold(until, f64::max);
    let y_max = points().map(|p| p.1).fold(0.0, f64::max);
    if !x_min.is_finite() {
        return Ok(());
    }
    let x_max = if x_max > x_min { x_max } else { x_min + 1.0 };
    let mut chart = ChartBuilder::on(root)
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(48)
        .build_cartesian_2d(x_min..x_max, 0.0..(y_max * 1.1).max(1.0))?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc("cluster time")
        .y_desc(y_label)
        .x_labels(5)
        .x_label_formatter(&|x| clock(Duration::from_secs_f64(x.max(0.0))))
        .draw()?;
    for (index, line) in lines.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let style = ShapeStyle::from(colour).stroke_width(2);
        let mut path = Vec::with_capacity(line.points.len() * 2 + 1);
        for &(x, y) in &line.points {
            if steps && let Some(&(_, previous)) = path.last() {
                path.push((x, previous));
            }
            path.push((x, y));
        }
        if steps
            && let Some(&(x, y)) = path.last()
            && x < until
        {
            path.push((until, y));
        }
        // Solid, dashed, dotted: lines stay apart in grey too.
        let (dash, gap) = [(0, 0), (8, 4), (2, 3)][index % 3];
        let drawn = if dash == 0 {
            chart.draw_series(LineSeries::new(path.iter().copied(), style))?
        } else {
            chart.draw_series(DashedLineSeries::new(path.iter().copied(), dash, gap, style))?
        };
        drawn.label(line.name.as_str()).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 16, y)], ShapeStyle::from(colour).stroke_width(2))
        });
        // Each line's own marker shape, and its name written at its end: told apart without
        // colour.
        let points = line.points.iter().copied();
        let filled = ShapeStyle::from(colour).filled();
        match index % 4 {
            0 => chart.draw_series(points.map(|p| Circle::new(p, 3, filled)))?,
            1 => chart.draw_series(points.map(|p| TriangleMarker::new(p, 4, filled)))?,
            2 => chart.draw_series(points.map(|p| Cross::new(p, 3, filled.stroke_width(2))))?,
            _ => chart.draw_series(points.map(|p| Circle::new(p, 3, style)))?,
        };
        if let Some(&(x, y)) = path.last() {
            let font = ("sans-serif", 12).into_font().color(&colour);
            let anchor = plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Right,
                plotters::style::text_anchor::VPos::Bottom,
            );
            chart.draw_series(std::iter::once(Text::new(
                line.name.clone(),
                (x, y),
                font.pos(anchor),
            )))?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

fn draw_bars(root: &Area, x_label: &str, bars: &[(String, f64)]) -> Drawn {
    let x_max = bars.iter().map(|b| b.1).fold(1.0, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(root)
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(8)
        .build_cartesian_2d(0.0..x_max, 0.0..bars.len() as f64)?;
    chart.configure_mesh().disable_y_mesh().disable_y_axis().x_desc(x_label).x_labels(5).draw()?;
    let colour = COLOURS[0];
    chart.draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
        let y = bars.len() as f64 - i as f64;
        Rectangle::new([(0.0, y - 0.85), (*value, y - 0.15)], colour.mix(0.35).filled())
    }))?;
    // The names and counts written on the bars: read without telling colours apart.
    chart.draw_series(bars.iter().enumerate().map(|(i, (name, value))| {
        let y = bars.len() as f64 - i as f64 - 0.5;
        Text::new(format!("{name}: {value}"), (x_max * 0.01, y), ("sans-serif", 13).into_font())
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::shell::Shell;

    fn lab(script: &str) -> Simulation {
        let mut sim = Simulation::new(3);
        Shell::new().run_script(&mut sim, script);
        sim
    }

    fn pod_uid(sim: &Simulation, name: &str) -> String {
        let pod = sim.api().get::<k8s_openapi::api::core::v1::Pod>("default", name).unwrap();
        sim_core::podutil::uid(pod).to_string()
    }

    #[test]
    fn a_crash_loop_charts_its_waits_with_a_table() {
        let mut sim = lab("kubectl run crasher --image=busybox -- sh -c 'exit 1'");
        sim.advance(Duration::from_secs(200));
        let chart = restarts(&sim, &pod_uid(&sim, "crasher")).unwrap();
        let waited: Vec<&str> = chart.rows.iter().map(|r| r[3].as_str()).collect();
        assert_eq!(waited, ["1s", "10s", "20s", "40s", "1m20s"]);
        assert!(
            chart.summary.starts_with("5 restarts recorded for pod crasher"),
            "{}",
            chart.summary
        );
        let svg = svg(&chart.plot);
        assert!(svg.starts_with("<svg aria-hidden=\"true\"") && svg.contains("crasher"), "{svg}");
    }

    #[test]
    fn names_from_objects_are_escaped_in_the_svg() {
        let plot = Plot::Bars { x_label: "requests", bars: vec![("<script>&".into(), 3.0)] };
        let svg = svg(&plot);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&amp;"), "{svg}");
    }

    #[test]
    fn a_rollout_charts_both_replica_sets_until_now() {
        let mut sim =
            lab("kubectl create deployment web --image=nginx:1.27 --replicas=2\nsleep 30\n\
             kubectl set image deployment/web nginx=nginx:1.28\nsleep 60");
        sim.advance(Duration::from_secs(5));
        let rs = sim.series().replica_sets("default", Some("web")).next().unwrap().name.clone();
        let chart = replicas(&sim, "default", &rs).unwrap();
        let Plot::Lines { lines, until, .. } = &chart.plot else { panic!("lines") };
        assert_eq!(lines.len(), 2);
        assert_eq!(*until, 95.0);
        assert!(chart.summary.starts_with("Pods of each ReplicaSet of Deployment web"));
        assert!(chart.rows.windows(2).all(|w| w[0][0] <= w[1][0]));
    }

    #[test]
    fn a_node_has_a_cpu_and_a_memory_chart() {
        let mut sim = lab("kubectl run web --image=nginx ");
        sim.advance(Duration::from_secs(60));
        let charts = node(&sim, "node01");
        assert_eq!(
            charts.iter().map(|c| c.title.as_str()).collect::<Vec<_>>(),
            ["CPU of node node01", "Memory of node node01"]
        );
        assert_eq!(charts[0].rows.len(), 5);
        assert_eq!(charts[0].rows[0][0], "00:00");
    }

    #[test]
    fn durations_read_as_go_prints_them() {
        assert_eq!(duration(Duration::from_secs(10)), "10s");
        assert_eq!(duration(Duration::from_secs(300)), "5m0s");
    }
}
