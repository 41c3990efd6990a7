//! Calendar dates for virtual instants (always UTC, as containers run): `date`'s formats and the
//! timestamps images print in their logs.

use crate::time::SimTime;

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A broken-down UTC instant.
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
    weekday: usize,
    yday: u32,
}

/// Howard Hinnant's days-to-civil algorithm.
pub(crate) fn civil(at: SimTime) -> Civil {
    let ms = at.unix_ms();
    let days = (ms / 86_400_000) as i64;
    let rem = ms % 86_400_000;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334][(month - 1) as usize];
    let yday = before + day + u32::from(leap && month > 2);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3_600_000) as u32,
        minute: (rem / 60_000 % 60) as u32,
        second: (rem / 1000 % 60) as u32,
        millis: (rem % 1000) as u32,
        weekday: (days.rem_euclid(7)) as usize,
        yday,
    }
}

/// `strftime` for the conversions scripts use; unknown ones print as written.
pub(crate) fn format(at: SimTime, pattern: &str) -> String {
    let c = civil(at);
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let Some(spec) = chars.next() else {
            out.push('%');
            break;
        };
        let piece = match spec {
            'Y' => c.year.to_string(),
            'y' => format!("{:02}", c.year % 100),
            'm' => format!("{:02}", c.month),
            'd' => format!("{:02}", c.day),
            'e' => format!("{:2}", c.day),
            'H' => format!("{:02}", c.hour),
            'I' => format!("{:02}", (c.hour + 11) % 12 + 1),
            'p' => if c.hour < 12 { "AM" } else { "PM" }.to_string(),
            'M' => format!("{:02}", c.minute),
            'S' => format!("{:02}", c.second),
            'N' => format!("{:03}000000", c.millis),
            's' => (at.unix_ms() / 1000).to_string(),
            'a' => DAYS[c.weekday].to_string(),
            'A' => full_day(c.weekday).to_string(),
            'b' | 'h' => MONTHS[(c.month - 1) as usize].to_string(),
            'B' => full_month(c.month).to_string(),
            'j' => format!("{:03}", c.yday),
            'u' => (((c.weekday + 3) % 7) + 1).to_string(),
            'w' => ((c.weekday + 4) % 7).to_string(),
            'Z' => "UTC".to_string(),
            'z' => "+0000".to_string(),
            'T' => format(at, "%H:%M:%S"),
            'D' => format(at, "%m/%d/%y"),
            'F' => format(at, "%Y-%m-%d"),
            'R' => format(at, "%H:%M"),
            'c' => format(at, "%a %b %e %H:%M:%S %Y"),
            'n' => "\n".to_string(),
            't' => "\t".to_string(),
            '%' => "%".to_string(),
            other => format!("%{other}"),
        };
        out.push_str(&piece);
    }
    out
}

fn full_day(weekday: usize) -> &'static str {
    ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"][weekday]
}

fn full_month(month: u32) -> &'static str {
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ][(month.clamp(1, 12) - 1) as usize]
}

/// `date`'s default output: `Wed Nov 25 23:59:00 UTC 2026`.
pub(crate) fn date_default(at: SimTime) -> String {
    format(at, "%a %b %e %H:%M:%S %Z %Y")
}

/// RFC 3339 with microseconds, as Go's and zap's logs print: `2026-11-25T23:59:00.000000Z`.
pub(crate) fn rfc3339_micros(at: SimTime) -> String {
    format!("{}.{:03}000Z", format(at, "%Y-%m-%dT%H:%M:%S"), civil(at).millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_date_and_strftime() {
        // 2026-11-25T23:59:00Z, a Wednesday.
        let at = SimTime::from_unix_ms(1_795_651_140_000);
        let cases = [
            ("%a %b %e %H:%M:%S %Z %Y", "Wed Nov 25 23:59:00 UTC 2026"),
            ("%s", "1795651140"),
            ("%F %T", "2026-11-25 23:59:00"),
            ("%d/%b/%Y:%H:%M:%S %z", "25/Nov/2026:23:59:00 +0000"),
            ("%j %u %A %B", "329 3 Wednesday November"),
            ("100%%", "100%"),
        ];
        for (pattern, want) in cases {
            assert_eq!(format(at, pattern), want, "{pattern}");
        }
        assert_eq!(date_default(SimTime::from_unix_ms(0)), "Thu Jan  1 00:00:00 UTC 1970");
        assert_eq!(format(SimTime::from_unix_ms(951_782_400_000), "%F"), "2000-02-29");
    }
}
