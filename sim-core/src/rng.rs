//! The simulation's only source of randomness: a seeded SplitMix64 generator.
//!
//! One seed feeds the simulation; each component forks its own stream by name, so adding a random
//! draw in the kubelet does not change the scheduler's tie-breaks (and golden transcripts).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// A generator for one component, derived from this one's seed and the component's name
    /// (FNV-1a mixed into the seed), without drawing from this stream.
    pub fn fork(&self, name: &str) -> Rng {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in name.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        let mut forked = Rng::new(self.state ^ hash);
        forked.next_u64();
        forked
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (`n` > 0), without modulo bias worth caring about at our sizes.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform integer in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    /// A version-4 UUID, the form the API server gives `metadata.uid`.
    pub fn uuid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
        let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        // `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, written digit by digit: every object and
        // event gets one, and `format!` costs several times as much.
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(36);
        for (i, word) in [hi, lo].into_iter().enumerate() {
            for nibble in 0..16 {
                if matches!(i * 16 + nibble, 8 | 12 | 16 | 20) {
                    text.push('-');
                }
                text.push(char::from(DIGITS[(word >> (60 - 4 * nibble)) as usize & 0xf]));
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn forks_are_independent_of_each_other_and_of_draws() {
        let root = Rng::new(7);
        let mut scheduler = root.fork("scheduler");
        let mut kubelet = root.fork("kubelet");
        assert_ne!(scheduler.next_u64(), kubelet.next_u64());
        assert_eq!(root.fork("scheduler"), root.fork("scheduler"));
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = Rng::new(1);
        for n in 1..50 {
            for _ in 0..20 {
                assert!(rng.below(n) < n);
            }
        }
    }

    #[test]
    fn uuid_has_version_4_shape() {
        let id = Rng::new(3).uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn uuid_digits_are_the_two_draws_in_hex() {
        for seed in [0, 3, u64::MAX] {
            let mut draws = Rng::new(seed);
            let (hi, lo) = (draws.next_u64(), draws.next_u64());
            let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x4000;
            let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
            let want = format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                hi >> 32,
                (hi >> 16) & 0xffff,
                hi & 0xffff,
                lo >> 48,
                lo & 0xffff_ffff_ffff
            );
            assert_eq!(Rng::new(seed).uuid(), want, "seed {seed}");
        }
    }
}
