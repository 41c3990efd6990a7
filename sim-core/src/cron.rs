//! Cron schedules as Kubernetes reads them (robfig/cron v3's `ParseStandard`: five fields, or an
//! `@` descriptor, optionally after `TZ=`), and the instants they fire at in a time zone. Used by
//! CronJob validation (its error texts are the library's) and by the CronJob controller.

use crate::time::{SimTime, parse_go_duration};
use k8s_openapi::jiff::tz::TimeZone;
use k8s_openapi::jiff::{Span, Timestamp, Zoned, civil};
use std::time::Duration;

/// Set on a field written `*` or `?`: the day-of-month and day-of-week fields combine with AND
/// when either is starred, with OR otherwise (cron's classic rule).
const STAR_BIT: u64 = 1 << 63;

/// A parsed schedule and the zone it is read in.
#[derive(Clone, Debug)]
pub struct Schedule {
    when: When,
    zone: TimeZone,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum When {
    /// One bit per allowed value of each field (plus [`STAR_BIT`]).
    Spec { minute: u64, hour: u64, dom: u64, month: u64, dow: u64 },
    /// `@every DURATION`: a fixed delay, whole seconds, at least one.
    Every(Duration),
}

/// A field's allowed values and the names it accepts.
struct Bounds {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MINUTES: Bounds = Bounds { min: 0, max: 59, names: &[] };
const HOURS: Bounds = Bounds { min: 0, max: 23, names: &[] };
const DOM: Bounds = Bounds { min: 1, max: 31, names: &[] };
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[("sun", 0), ("mon", 1), ("tue", 2), ("wed", 3), ("thu", 4), ("fri", 5), ("sat", 6)],
};

fn bits(start: u32, end: u32, step: u32) -> u64 {
    (start..=end).step_by(step as usize).fold(0, |acc, v| acc | 1 << v)
}

fn all(bounds: &Bounds) -> u64 {
    bits(bounds.min, bounds.max, 1) | STAR_BIT
}

/// Parses a schedule as `cron.ParseStandard` does; the error is the library's message.
pub fn parse(spec: &str) -> Result<Schedule, String> {
    if spec.is_empty() {
        return Err("empty spec string".into());
    }
    let mut spec = spec;
    let mut zone = TimeZone::UTC;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let eq = spec.find('=').unwrap_or(0);
        let space = spec.find(' ').unwrap_or(spec.len());
        let name = spec.get(eq + 1..space).unwrap_or_default();
        zone = time_zone(name).map_err(|e| format!("provided bad location {name}: {e}"))?;
        spec = spec[space..].trim();
    }
    if let Some(descriptor) = spec.strip_prefix('@') {
        return Ok(Schedule { when: descriptor_schedule(descriptor, spec)?, zone });
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        ));
    }
    let when = When::Spec {
        minute: field(fields[0], &MINUTES)?,
        hour: field(fields[1], &HOURS)?,
        dom: field(fields[2], &DOM)?,
        month: field(fields[3], &MONTHS)?,
        dow: field(fields[4], &DOW)?,
    };
    Ok(Schedule { when, zone })
}

fn descriptor_schedule(descriptor: &str, spec: &str) -> Result<When, String> {
    let at_min = |b: &Bounds| 1u64 << b.min;
    let spec_of = |hour, dom, month, dow| When::Spec { minute: 1, hour, dom, month, dow };
    Ok(match descriptor {
        "yearly" | "annually" => spec_of(1, at_min(&DOM), at_min(&MONTHS), all(&DOW)),
        "monthly" => spec_of(1, at_min(&DOM), all(&MONTHS), all(&DOW)),
        "weekly" => spec_of(1, all(&DOM), all(&MONTHS), at_min(&DOW)),
        "daily" | "midnight" => spec_of(1, all(&DOM), all(&MONTHS), all(&DOW)),
        "hourly" => spec_of(all(&HOURS), all(&DOM), all(&MONTHS), all(&DOW)),
        _ => match descriptor.strip_prefix("every ") {
            Some(duration) => {
                let delay = parse_go_duration(duration)
                    .map_err(|e| format!("failed to parse duration {spec}: {e}"))?;
                // robfig rounds the delay down to whole seconds, and to at least one.
                When::Every(Duration::from_secs(delay.as_secs().max(1)))
            }
            None => return Err(format!("unrecognized descriptor: {spec}")),
        },
    })
}

/// One field: comma-separated ranges (`*`, `?`, `N`, `N-M`, each optionally `/STEP`).
fn field(text: &str, bounds: &Bounds) -> Result<u64, String> {
    text.split(',').filter(|r| !r.is_empty()).try_fold(0, |acc, r| Ok(acc | range(r, bounds)?))
}

fn range(expr: &str, bounds: &Bounds) -> Result<u64, String> {
    let parts: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = parts[0].split('-').collect();
    let single = low_high.len() == 1;
    let (start, mut end, mut extra);
    if low_high[0] == "*" || low_high[0] == "?" {
        (start, end, extra) = (bounds.min, bounds.max, STAR_BIT);
    } else {
        start = int_or_name(low_high[0], bounds)?;
        end = match low_high.len() {
            1 => start,
            2 => int_or_name(low_high[1], bounds)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        extra = 0;
    }
    let step = match parts.len() {
        1 => 1,
        2 => {
            let step = must_parse_int(parts[1])?;
            // "N/step" means "N-max/step".
            if single {
                end = bounds.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < bounds.min {
        return Err(format!("beginning of range ({start}) below minimum ({}): {expr}", bounds.min));
    }
    if end > bounds.max {
        return Err(format!("end of range ({end}) above maximum ({}): {expr}", bounds.max));
    }
    if start > end {
        return Err(format!("beginning of range ({start}) beyond end of range ({end}): {expr}"));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(bits(start, end, step) | extra)
}

fn int_or_name(expr: &str, bounds: &Bounds) -> Result<u32, String> {
    let lower = expr.to_ascii_lowercase();
    match bounds.names.iter().find(|(name, _)| *name == lower) {
        Some((_, value)) => Ok(*value),
        None => must_parse_int(expr),
    }
}

/// Go's `strconv.Atoi` with robfig's wording around it.
fn must_parse_int(expr: &str) -> Result<u32, String> {
    let digits = expr.strip_prefix(['+', '-']).unwrap_or(expr);
    let syntax_ok = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
    if !syntax_ok {
        return Err(format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing \"{expr}\": invalid syntax"
        ));
    }
    if expr.starts_with('-') && digits.trim_start_matches('0').is_empty() {
        return Ok(0);
    }
    if expr.starts_with('-') {
        return Err(format!("negative number ({expr}) not allowed: {expr}"));
    }
    // Values past u32 are past every field's maximum: report them as the range check would.
    Ok(digits.parse::<u32>().unwrap_or(u32::MAX))
}

impl Schedule {
    /// The first instant strictly after `after` (to the second) at which the schedule fires;
    /// `None` when it never does within five years (`0 0 30 2 *`).
    pub fn next(&self, after: SimTime) -> Option<SimTime> {
        let whole_second = after.unix_ms() / 1000 * 1000;
        match &self.when {
            When::Every(delay) => Some(SimTime::from_unix_ms(whole_second) + *delay),
            When::Spec { minute, hour, dom, month, dow } => {
                let start = SimTime::from_unix_ms(whole_second + 1000);
                let fields =
                    Fields { minute: *minute, hour: *hour, dom: *dom, month: *month, dow: *dow };
                fields.next(&self.zone, start)
            }
        }
    }
}

/// The bit sets of a five-field schedule.
struct Fields {
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
}

impl Fields {
    fn day_matches(&self, t: &Zoned) -> bool {
        let dom = self.dom & 1 << t.day() > 0;
        let dow = self.dow & 1 << t.weekday().to_sunday_zero_offset() > 0;
        if self.dom & STAR_BIT > 0 || self.dow & STAR_BIT > 0 { dom && dow } else { dom || dow }
    }

    /// robfig's `SpecSchedule.Next` from `start` (a whole second), in `zone`'s wall clock:
    /// find the month, then the day, hour, minute and second, starting over from the month
    /// whenever a field wraps.
    fn next(&self, zone: &TimeZone, start: SimTime) -> Option<SimTime> {
        let ms = i64::try_from(start.unix_ms()).ok()?;
        let mut t = Timestamp::from_millisecond(ms).ok()?.to_zoned(zone.clone());
        let at = |t: &Zoned, day: i8, hour: i8| -> Option<Zoned> {
            let wall = civil::DateTime::new(t.year(), t.month(), day, hour, 0, 0, 0).ok()?;
            wall.to_zoned(zone.clone()).ok()
        };
        let plus = |t: &Zoned, span: Span| t.checked_add(span).ok();
        let year_limit = t.year() + 5;
        let mut added = false;
        'wrap: loop {
            if t.year() > year_limit {
                return None;
            }
            while self.month & 1 << t.month() == 0 {
                if !added {
                    added = true;
                    t = at(&t, 1, 0)?;
                }
                t = plus(&t, Span::new().months(1))?;
                if t.month() == 1 {
                    continue 'wrap;
                }
            }
            while !self.day_matches(&t) {
                if !added {
                    added = true;
                    t = at(&t, t.day(), 0)?;
                }
                t = plus(&t, Span::new().days(1))?;
                // Where daylight saving skips midnight, land back on the day's first hour.
                if t.hour() != 0 {
                    let back = if t.hour() > 12 { 24 - t.hour() } else { -t.hour() };
                    t = plus(&t, Span::new().hours(back))?;
                }
                if t.day() == 1 {
                    continue 'wrap;
                }
            }
            while self.hour & 1 << t.hour() == 0 {
                if !added {
                    added = true;
                    t = at(&t, t.day(), t.hour())?;
                }
                t = plus(&t, Span::new().hours(1))?;
                if t.hour() == 0 {
                    continue 'wrap;
                }
            }
            while self.minute & 1 << t.minute() == 0 {
                if !added {
                    added = true;
                    t = plus(&t, Span::new().seconds(-i64::from(t.second())))?;
                }
                t = plus(&t, Span::new().minutes(1))?;
                if t.minute() == 0 {
                    continue 'wrap;
                }
            }
            // Standard schedules fire at second 0.
            if t.second() != 0 {
                t = plus(&t, Span::new().seconds(60 - i64::from(t.second())))?;
                continue 'wrap;
            }
            return u64::try_from(t.timestamp().as_millisecond()).ok().map(SimTime::from_unix_ms);
        }
    }
}

/// A time zone by IANA name, as `time.LoadLocation` finds it ("" and "UTC" are UTC). The lab
/// carries no time zone database: it knows the zones below by their current rules (POSIX TZ
/// strings, as at the end of each zoneinfo file) and says so for any other.
pub fn time_zone(name: &str) -> Result<TimeZone, String> {
    if name.is_empty() || name == "UTC" {
        return Ok(TimeZone::UTC);
    }
    if let Some(rule) = name.strip_prefix("Etc/GMT").and_then(etc_gmt_rule) {
        return TimeZone::posix(&rule).map_err(|e| e.to_string());
    }
    let rule = ZONES.iter().find(|(zone, _)| *zone == name).map(|(_, rule)| *rule);
    match rule {
        Some(rule) => TimeZone::posix(rule).map_err(|e| e.to_string()),
        None if looks_like_zone(name) => Err(format!(
            "unknown time zone {name} (kubelab knows UTC, Etc/GMT±N and {} named zones)",
            ZONES.len()
        )),
        None => Err(format!("unknown time zone {name}")),
    }
}

/// The POSIX rule of `Etc/GMT+5` (five hours behind UTC: POSIX offsets, like these names,
/// count westwards, so the sign reads backwards).
fn etc_gmt_rule(suffix: &str) -> Option<String> {
    if ["", "0", "+0", "-0"].contains(&suffix) {
        return Some("GMT0".into());
    }
    let (sign, digits) = suffix.split_at(1);
    let hours: u8 = digits.parse().ok().filter(|h| *h > 0)?;
    match sign {
        "+" if hours <= 12 => Some(format!("<-{hours:02}>{hours}")),
        "-" if hours <= 14 => Some(format!("<+{hours:02}>-{hours}")),
        _ => None,
    }
}

fn looks_like_zone(name: &str) -> bool {
    name.contains('/')
        && name.split('/').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
        })
}

/// Zones by their current POSIX rules.
const ZONES: &[(&str, &str)] = &[
    ("Etc/UTC", "UTC0"),
    ("Etc/GMT", "GMT0"),
    ("GMT", "GMT0"),
    ("Europe/London", "GMT0BST,M3.5.0/1,M10.5.0"),
    ("Europe/Dublin", "IST-1GMT0,M10.5.0,M3.5.0/1"),
    ("Europe/Lisbon", "WET0WEST,M3.5.0/1,M10.5.0"),
    ("Europe/Paris", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Amsterdam", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Brussels", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Madrid", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Rome", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Vienna", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Zurich", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Stockholm", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Warsaw", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Prague", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Athens", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Helsinki", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Kyiv", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Europe/Istanbul", "<+03>-3"),
    ("Europe/Moscow", "MSK-3"),
    ("America/New_York", "EST5EDT,M3.2.0,M11.1.0"),
    ("America/Toronto", "EST5EDT,M3.2.0,M11.1.0"),
    ("America/Chicago", "CST6CDT,M3.2.0,M11.1.0"),
    ("America/Denver", "MST7MDT,M3.2.0,M11.1.0"),
    ("America/Phoenix", "MST7"),
    ("America/Los_Angeles", "PST8PDT,M3.2.0,M11.1.0"),
    ("America/Vancouver", "PST8PDT,M3.2.0,M11.1.0"),
    ("America/Anchorage", "AKST9AKDT,M3.2.0,M11.1.0"),
    ("America/Mexico_City", "CST6"),
    ("America/Bogota", "<-05>5"),
    ("America/Lima", "<-05>5"),
    ("America/Sao_Paulo", "<-03>3"),
    ("America/Argentina/Buenos_Aires", "<-03>3"),
    ("Pacific/Honolulu", "HST10"),
    ("Pacific/Auckland", "NZST-12NZDT,M9.5.0,M4.1.0/3"),
    ("Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"),
    ("Australia/Melbourne", "AEST-10AEDT,M10.1.0,M4.1.0/3"),
    ("Australia/Brisbane", "AEST-10"),
    ("Australia/Perth", "AWST-8"),
    ("Asia/Tokyo", "JST-9"),
    ("Asia/Seoul", "KST-9"),
    ("Asia/Shanghai", "CST-8"),
    ("Asia/Hong_Kong", "HKT-8"),
    ("Asia/Taipei", "CST-8"),
    ("Asia/Singapore", "<+08>-8"),
    ("Asia/Manila", "PST-8"),
    ("Asia/Jakarta", "WIB-7"),
    ("Asia/Bangkok", "<+07>-7"),
    ("Asia/Ho_Chi_Minh", "<+07>-7"),
    ("Asia/Kolkata", "IST-5:30"),
    ("Asia/Calcutta", "IST-5:30"),
    ("Asia/Kathmandu", "<+0545>-5:45"),
    ("Asia/Karachi", "PKT-5"),
    ("Asia/Dubai", "<+04>-4"),
    ("Asia/Tehran", "<+0330>-3:30"),
    ("Asia/Jerusalem", "IST-2IDT,M3.4.4/26,M10.5.0"),
    ("Africa/Cairo", "EET-2EEST,M4.5.5/0,M10.5.4/24"),
    ("Africa/Johannesburg", "SAST-2"),
    ("Africa/Lagos", "WAT-1"),
    ("Africa/Nairobi", "EAT-3"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-05 09:00:00 UTC, a Monday: when every lab session starts.
    const MONDAY_9AM: u64 = 1_767_603_600_000;

    fn at(text: &str) -> SimTime {
        let ts: Timestamp = text.parse().expect("a timestamp");
        SimTime::from_unix_ms(ts.as_millisecond() as u64)
    }

    fn next_after(spec: &str, after: &str) -> Option<String> {
        let schedule = parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        schedule.next(at(after)).map(|t| t.to_k8s().0.to_string())
    }

    #[test]
    fn next_times_follow_robfig_cron() {
        let cases = [
            (
                "every minute fires at the next whole minute",
                "* * * * *",
                "2026-01-05T09:00:00Z",
                "2026-01-05T09:01:00Z",
            ),
            (
                "a time just before a minute fires at that minute",
                "* * * * *",
                "2026-01-05T09:00:59.5Z",
                "2026-01-05T09:01:00Z",
            ),
            (
                "steps count from the start of the range",
                "*/5 * * * *",
                "2026-01-05T09:01:00Z",
                "2026-01-05T09:05:00Z",
            ),
            (
                "a step after a value runs to the maximum",
                "7/20 * * * *",
                "2026-01-05T09:28:00Z",
                "2026-01-05T09:47:00Z",
            ),
            (
                "a list picks the next listed minute",
                "0,15,45 * * * *",
                "2026-01-05T09:16:00Z",
                "2026-01-05T09:45:00Z",
            ),
            (
                "a range of hours moves to the next day after its end",
                "30 9-17 * * *",
                "2026-01-05T17:30:00Z",
                "2026-01-06T09:30:00Z",
            ),
            (
                "day names select weekdays",
                "0 8 * * MON-FRI",
                "2026-01-09T08:00:00Z",
                "2026-01-12T08:00:00Z",
            ),
            (
                "month names select months",
                "0 0 1 jun *",
                "2026-01-05T09:00:00Z",
                "2026-06-01T00:00:00Z",
            ),
            (
                "restricted day of month and day of week combine with OR",
                "0 0 13 * 5",
                "2026-01-05T09:00:00Z",
                "2026-01-09T00:00:00Z",
            ),
            (
                "a starred day of week makes the day of month decide",
                "0 0 13 * *",
                "2026-01-05T09:00:00Z",
                "2026-01-13T00:00:00Z",
            ),
            (
                "@hourly fires on the hour",
                "@hourly",
                "2026-01-05T09:00:00Z",
                "2026-01-05T10:00:00Z",
            ),
            ("@daily fires at midnight", "@daily", "2026-01-05T09:00:00Z", "2026-01-06T00:00:00Z"),
            (
                "@weekly fires on Sunday at midnight",
                "@weekly",
                "2026-01-05T09:00:00Z",
                "2026-01-11T00:00:00Z",
            ),
            (
                "@monthly fires on the first",
                "@monthly",
                "2026-01-05T09:00:00Z",
                "2026-02-01T00:00:00Z",
            ),
            (
                "@yearly fires on the first of January",
                "@yearly",
                "2026-01-05T09:00:00Z",
                "2027-01-01T00:00:00Z",
            ),
            (
                "@every adds its delay to the whole second",
                "@every 90s",
                "2026-01-05T09:00:00.700Z",
                "2026-01-05T09:01:30Z",
            ),
            (
                "a leap day waits for a leap year",
                "0 0 29 2 *",
                "2026-01-05T09:00:00Z",
                "2028-02-29T00:00:00Z",
            ),
            (
                "a time zone's wall clock decides",
                "TZ=Asia/Tokyo 0 9 * * *",
                "2026-01-05T09:00:00Z",
                "2026-01-06T00:00:00Z",
            ),
            (
                "daylight saving moves the UTC instant",
                "CRON_TZ=America/New_York 0 9 * * *",
                "2026-03-07T15:00:00Z",
                "2026-03-08T13:00:00Z",
            ),
        ];
        for (name, spec, after, want) in cases {
            assert_eq!(next_after(spec, after).as_deref(), Some(want), "{name}");
        }
    }

    #[test]
    fn impossible_dates_never_fire() {
        assert_eq!(next_after("0 0 30 2 *", "2026-01-05T09:00:00Z"), None);
    }

    #[test]
    fn parse_errors_are_the_librarys() {
        let cases = [
            ("an empty schedule", "", "empty spec string"),
            ("too few fields", "* * *", "expected exactly 5 fields, found 3: [* * *]"),
            ("six fields", "0 * * * * *", "expected exactly 5 fields, found 6: [0 * * * * *]"),
            ("a minute past 59", "60 * * * *", "end of range (60) above maximum (59): 60"),
            ("a day of month below 1", "0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
            ("day of week 7", "0 0 * * 7", "end of range (7) above maximum (6): 7"),
            (
                "a reversed range",
                "5-1 * * * *",
                "beginning of range (5) beyond end of range (1): 5-1",
            ),
            ("a zero step", "*/0 * * * *", "step of range should be a positive number: */0"),
            (
                "a word",
                "x * * * *",
                "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax",
            ),
            ("two slashes", "1/2/3 * * * *", "too many slashes: 1/2/3"),
            ("two hyphens", "1-2-3 * * * *", "too many hyphens: 1-2-3"),
            ("an unknown descriptor", "@fortnightly", "unrecognized descriptor: @fortnightly"),
            (
                "@every without a unit",
                "@every 5",
                "failed to parse duration @every 5: time: missing unit in duration \"5\"",
            ),
            (
                "an unknown zone",
                "TZ=Mars/Olympus * * * * *",
                "provided bad location Mars/Olympus: unknown time zone Mars/Olympus (kubelab knows UTC, Etc/GMT±N and 62 named zones)",
            ),
        ];
        for (name, spec, want) in cases {
            assert_eq!(parse(spec).err().as_deref(), Some(want), "{name}");
        }
    }

    #[test]
    fn etc_gmt_zones_read_their_sign_backwards() {
        let schedule = parse("TZ=Etc/GMT+5 0 9 * * *").expect("valid");
        let next = schedule.next(SimTime::from_unix_ms(MONDAY_9AM)).expect("fires");
        assert_eq!(next.to_k8s().0.to_string(), "2026-01-05T14:00:00Z");
        assert!(time_zone("Etc/GMT+13").is_err());
        assert_eq!(time_zone("Nowhere").err().as_deref(), Some("unknown time zone Nowhere"));
    }
}
