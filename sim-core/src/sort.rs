//! Stable sorting through one shared copy of the standard library's sort, for the WebAssembly's
//! size: every `slice::sort*` (and every `collect` into a `BTreeMap`/`BTreeSet`, which sorts) on
//! a new element type or comparator adds its own copy of driftsort, about 3.5 KB. These sort
//! positions with one comparator type and then move the elements, with exactly the result of the
//! standard stable sort (equal elements keep their order).

use std::cmp::Ordering;

/// `slice::sort_by`.
pub fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let order = sorted_positions(items.len(), &mut |a, b| compare(&items[a], &items[b]));
    permute(order, &mut |a, b| items.swap(a, b));
}

/// `slice::sort_by_key`.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// `slice::sort`.
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// The positions `0..len` in the order `compare` puts the elements at them, ties by position.
fn sorted_positions(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Moves the element at `order[k]` to `k` for every `k`, following each cycle of the
/// permutation with swaps.
fn permute(mut order: Vec<usize>, swap: &mut dyn FnMut(usize, usize)) {
    for start in 0..order.len() {
        // Along a cycle, the element that belongs at `start`'s old place travels with `at`.
        let mut at = start;
        while order[at] != start {
            let from = order[at];
            swap(at, from);
            order[at] = at;
            at = from;
        }
        order[at] = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        let mut rng = Rng::new(7);
        for len in 0..60 {
            let items: Vec<(u64, usize)> =
                (0..len).map(|i| (rng.next_u64() % 5, i)).collect::<Vec<_>>();
            let mut expected = items.clone();
            expected.sort_by_key(|item| item.0);
            let mut sorted = items.clone();
            sort_by_key(&mut sorted, |item| item.0);
            assert_eq!(sorted, expected, "length {len}");
        }
    }

    #[test]
    fn sorts_strings() {
        let mut names = vec!["node02", "controlplane", "node01", "node01"];
        sort(&mut names);
        assert_eq!(names, ["controlplane", "node01", "node01", "node02"]);
    }
}
