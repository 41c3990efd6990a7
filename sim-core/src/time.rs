//! Virtual time: instants and durations of the simulated cluster, and the ways kubectl prints them.
//!
//! Nothing here reads a clock. A [`SimTime`] is a point on the simulation's own timeline, moved
//! forward only by `Simulation::advance`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Add;
use std::time::Duration;

/// A point in virtual time, in milliseconds since the Unix epoch (so it can be printed as a real
/// timestamp in `creationTimestamp`, events and logs).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimTime(u64);

impl SimTime {
    pub const fn from_unix_ms(ms: u64) -> Self {
        SimTime(ms)
    }

    pub const fn unix_ms(self) -> u64 {
        self.0
    }

    /// The time since `earlier`, or zero when `earlier` is not earlier.
    pub fn since(self, earlier: SimTime) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    /// The API's `metav1.Time`: whole seconds, as the API server stores it (so a timestamp
    /// read back from an object is the same whether or not it went through storage).
    pub fn to_k8s(self) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::Time {
        // Every u64 millisecond count we produce is far inside jiff's range; saturate just in case.
        let ts = i64::try_from(self.0 / 1000 * 1000)
            .ok()
            .and_then(|ms| k8s_openapi::jiff::Timestamp::from_millisecond(ms).ok())
            .unwrap_or(k8s_openapi::jiff::Timestamp::MAX);
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(ts)
    }

    /// The API's `metav1.MicroTime` (a Lease's renewTime): this instant plus `micros` below the
    /// millisecond, as a real clock would have them.
    pub fn to_k8s_micro(
        self,
        micros: u32,
    ) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime {
        let ts = i64::try_from(self.0)
            .ok()
            .and_then(|ms| ms.checked_mul(1000))
            .map(|us| us + i64::from(micros % 1000))
            .and_then(|us| k8s_openapi::jiff::Timestamp::from_microsecond(us).ok())
            .unwrap_or(k8s_openapi::jiff::Timestamp::MAX);
        k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime(ts)
    }

    /// Reads a `metav1.MicroTime` back into virtual time, to the millisecond.
    pub fn from_k8s_micro(
        time: &k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime,
    ) -> Self {
        SimTime(u64::try_from(time.0.as_millisecond()).unwrap_or(0))
    }

    /// Formats the instant with strftime directives, in UTC (the simulated machines' zone).
    pub fn strftime(self, format: &str) -> String {
        let ts = i64::try_from(self.0)
            .ok()
            .and_then(|ms| k8s_openapi::jiff::Timestamp::from_millisecond(ms).ok())
            .unwrap_or(k8s_openapi::jiff::Timestamp::MAX);
        ts.strftime(format).to_string()
    }

    /// Reads a `metav1.Time` back into virtual time (times before 1970 become the epoch).
    pub fn from_k8s(time: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> Self {
        SimTime(u64::try_from(time.0.as_millisecond()).unwrap_or(0))
    }
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, d: Duration) -> SimTime {
        SimTime(self.0.saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)))
    }
}

impl fmt::Display for SimTime {
    /// RFC 3339 with milliseconds, for logs and debugging.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ts = self.to_k8s().0;
        write!(f, "{}", ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }
}

/// Kubernetes' `HumanDuration`, used for AGE and LAST SEEN columns: `45s`, `3m12s`, `25m`,
/// `5h10m`, `3d4h`, `400d`, `2y30d`.
pub fn human_duration(d: Duration) -> String {
    let seconds = d.as_secs();
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 { format!("{minutes}m") } else { format!("{minutes}m{s}s") };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 { format!("{hours}h") } else { format!("{hours}h{m}m") };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        let days = hours / 24;
        return if h == 0 { format!("{days}d") } else { format!("{days}d{h}h") };
    }
    let days = hours / 24;
    if days < 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if years < 8 {
        let dy = days % 365;
        return if dy == 0 { format!("{years}y") } else { format!("{years}y{dy}d") };
    }
    format!("{years}y")
}

/// Go's `time.Duration.String()`, which Kubernetes uses in event messages: `10s`, `1m20s`,
/// `5m0s`, `4.206s`, `512ms`, `0s`.
pub fn go_duration(d: Duration) -> String {
    let total_ms = d.as_millis();
    if total_ms == 0 {
        return "0s".to_string();
    }
    if total_ms < 1000 {
        return format!("{total_ms}ms");
    }
    let h = total_ms / 3_600_000;
    let m = (total_ms / 60_000) % 60;
    let s = (total_ms / 1000) % 60;
    let ms = total_ms % 1000;
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&s.to_string());
    if ms > 0 {
        // Go trims trailing zeros of the fraction: 4.2s, 4.25s, 4.206s.
        let frac = format!("{ms:03}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('s');
    out
}

/// Parses a `sleep` operand the way GNU sleep does: a non-negative number with an optional
/// suffix `s`, `m`, `h` or `d` (`30`, `2m`, `1.5h`). Returns `None` for anything else.
pub fn parse_sleep_operand(text: &str) -> Option<Duration> {
    let (number, unit_seconds) = match text.char_indices().last()? {
        (i, 's') => (&text[..i], 1.0),
        (i, 'm') => (&text[..i], 60.0),
        (i, 'h') => (&text[..i], 3600.0),
        (i, 'd') => (&text[..i], 86_400.0),
        _ => (text, 1.0),
    };
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let ms = value * unit_seconds * 1000.0;
    // A year of virtual time is more than any lesson needs; refuse absurd values rather than
    // letting a typo spin the simulation for minutes.
    if !ms.is_finite() || ms > 366.0 * 86_400_000.0 {
        return None;
    }
    Some(Duration::from_millis(ms.round() as u64))
}

/// Go's `time.ParseDuration` (flags such as `--timeout=2m30s`, cron's `@every 90s`), with its
/// error messages. Negative durations are refused: nothing here waits backwards. Nanoseconds
/// below a millisecond are dropped (virtual time counts milliseconds).
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration \"{text}\"");
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() || rest.starts_with('-') {
        return Err(invalid());
    }
    let mut total_ns: f64 = 0.0;
    while !rest.is_empty() {
        let number_len =
            rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(invalid());
        }
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let unit_ns: f64 = match unit {
            "" => return Err(format!("time: missing unit in duration \"{text}\"")),
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            other => return Err(format!("time: unknown unit \"{other}\" in duration \"{text}\"")),
        };
        total_ns += number.parse::<f64>().map_err(|_| invalid())? * unit_ns;
    }
    // Go's limit: about 290 years.
    if total_ns > i64::MAX as f64 {
        return Err(invalid());
    }
    Ok(Duration::from_millis((total_ns / 1e6) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn human_duration_matches_kubernetes_bands() {
        let cases = [
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (192, "3m12s"),
            (599, "9m59s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (5 * 3600 + 10 * 60, "5h10m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (3 * 86_400 + 4 * 3600, "3d4h"),
            (8 * 86_400, "8d"),
            (729 * 86_400, "729d"),
            (730 * 86_400, "2y"),
            (760 * 86_400, "2y30d"),
            (9 * 365 * 86_400, "9y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(s(secs)), want, "{secs}s");
        }
    }

    #[test]
    fn go_duration_prints_like_go() {
        let cases = [
            (0, "0s"),
            (512, "512ms"),
            (1000, "1s"),
            (4206, "4.206s"),
            (4200, "4.2s"),
            (10_000, "10s"),
            (80_000, "1m20s"),
            (300_000, "5m0s"),
            (3_600_000, "1h0m0s"),
            (3_723_500, "1h2m3.5s"),
        ];
        for (ms, want) in cases {
            assert_eq!(go_duration(Duration::from_millis(ms)), want, "{ms}ms");
        }
    }

    #[test]
    fn sleep_operands_follow_gnu_sleep() {
        assert_eq!(parse_sleep_operand("30"), Some(s(30)));
        assert_eq!(parse_sleep_operand("30s"), Some(s(30)));
        assert_eq!(parse_sleep_operand("2m"), Some(s(120)));
        assert_eq!(parse_sleep_operand("1h"), Some(s(3600)));
        assert_eq!(parse_sleep_operand("1d"), Some(s(86_400)));
        assert_eq!(parse_sleep_operand("0.5"), Some(Duration::from_millis(500)));
        for bad in ["", "m", "-1", "1x", "abc", "1m30s", "1e3", "999999d"] {
            assert_eq!(parse_sleep_operand(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn k8s_time_round_trips_at_second_precision() {
        let t = SimTime::from_unix_ms(1_767_603_600_000);
        assert_eq!(SimTime::from_k8s(&t.to_k8s()), t);
        assert_eq!(SimTime::from_k8s(&SimTime::from_unix_ms(1_767_603_600_999).to_k8s()), t);
        assert_eq!(t.to_string(), "2026-01-05T09:00:00.000Z");
    }
    #[test]
    fn go_durations_parse_like_go() {
        assert_eq!(parse_go_duration("30s"), Ok(s(30)));
        assert_eq!(parse_go_duration("2m30s"), Ok(s(150)));
        assert_eq!(parse_go_duration("1.5h"), Ok(s(5400)));
        assert_eq!(parse_go_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_go_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_go_duration("5"), Err("time: missing unit in duration \"5\"".into()));
        assert_eq!(
            parse_go_duration("5d"),
            Err("time: unknown unit \"d\" in duration \"5d\"".into())
        );
        for bad in ["", "abc", "-1s", ".s", "1..2s"] {
            assert!(parse_go_duration(bad).is_err(), "{bad:?}");
        }
    }
}
