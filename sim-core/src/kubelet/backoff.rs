//! client-go's `flowcontrol.Backoff` as the kubelet uses it: per-key delays that double from an
//! initial to a maximum value and are forgotten after a quiet period.

use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    entries: BTreeMap<String, Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    backoff: Duration,
    last_update: SimTime,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff { initial, max, entries: BTreeMap::new() }
    }

    /// An entry expires when it has not been touched for twice the maximum delay.
    fn is_expired(&self, entry: &Entry, now: SimTime) -> bool {
        now.since(entry.last_update) > self.max * 2
    }

    /// Records a failure: the delay starts at `initial` and doubles up to `max`.
    pub fn next(&mut self, key: &str, now: SimTime) {
        let backoff = match self.entries.get(key) {
            Some(entry) if !self.is_expired(entry, now) => (entry.backoff * 2).min(self.max),
            _ => self.initial,
        };
        self.entries.insert(key.to_string(), Entry { backoff, last_update: now });
    }

    /// When the back-off for `key`, measured from `since`, ends — or `None` if it has ended
    /// (or there is none) at `now`.
    pub fn in_backoff_until(&self, key: &str, since: SimTime, now: SimTime) -> Option<SimTime> {
        let entry = self.entries.get(key).filter(|e| !self.is_expired(e, now))?;
        let until = since + entry.backoff;
        (now < until).then_some(until)
    }

    /// The current delay for `key`.
    #[cfg(test)]
    pub fn get(&self, key: &str) -> Option<Duration> {
        self.entries.get(key).map(|e| e.backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_cap_and_resets_when_quiet() {
        let mut backoff = Backoff::new(Duration::from_secs(10), Duration::from_secs(300));
        let mut now = SimTime::from_unix_ms(0);
        let mut delays = Vec::new();
        for _ in 0..8 {
            backoff.next("k", now);
            let delay = backoff.get("k").unwrap();
            delays.push(delay.as_secs());
            now = now + delay;
        }
        assert_eq!(delays, vec![10, 20, 40, 80, 160, 300, 300, 300]);
        backoff.next("k", now + Duration::from_secs(601));
        assert_eq!(backoff.get("k"), Some(Duration::from_secs(10)));
    }

    #[test]
    fn in_backoff_is_measured_from_the_given_instant() {
        let mut backoff = Backoff::new(Duration::from_secs(10), Duration::from_secs(300));
        let t0 = SimTime::from_unix_ms(1_000);
        backoff.next("k", t0);
        assert_eq!(backoff.in_backoff_until("k", t0, t0), Some(t0 + Duration::from_secs(10)));
        assert_eq!(backoff.in_backoff_until("k", t0, t0 + Duration::from_secs(10)), None);
        assert_eq!(backoff.in_backoff_until("other", t0, t0), None);
    }
}
