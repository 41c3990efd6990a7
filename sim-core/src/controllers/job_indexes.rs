//! The completion indexes of Indexed Jobs (`indexed_job_utils.go`): which index a pod runs, and
//! `status.completedIndexes` as the API writes it (`1,3-5,7`).

use k8s_openapi::api::core::v1::Pod;
use std::collections::BTreeSet;

/// The annotation (and, with `PodIndexLabel`, the label) that carries a pod's index.
pub const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
/// The variable a container reads its index from.
pub const COMPLETION_INDEX_ENV: &str = "JOB_COMPLETION_INDEX";

/// The pod's completion index, if it carries a valid one.
pub fn of_pod(pod: &Pod) -> Option<i32> {
    let text = pod.metadata.annotations.as_ref()?.get(COMPLETION_INDEX)?;
    // Go's strconv.Atoi, without sign: an index is a plain non-negative number.
    text.parse::<i32>().ok().filter(|i| *i >= 0 && !text.starts_with('+'))
}

/// Reads `completedIndexes`, keeping the indexes below `completions` (a malformed interval is
/// skipped, as the controller skips it).
pub fn parse(text: &str, completions: i32) -> BTreeSet<i32> {
    let mut indexes = BTreeSet::new();
    for interval in text.split(',').filter(|i| !i.is_empty()) {
        let (first, last) = interval.split_once('-').unwrap_or((interval, interval));
        let (Ok(first), Ok(last)) = (first.parse::<i32>(), last.parse::<i32>()) else {
            continue;
        };
        indexes.extend((first.max(0)..=last.min(completions - 1)).filter(|i| *i < completions));
    }
    indexes
}

/// `orderedIntervals.String()`: runs of three or more as `first-last`, pairs as `a,b`.
pub fn format(indexes: &BTreeSet<i32>) -> String {
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for &index in indexes {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == index => *last = index,
            _ => runs.push((index, index)),
        }
    }
    runs.iter()
        .map(|&(first, last)| match last - first {
            0 => first.to_string(),
            1 => format!("{first},{last}"),
            _ => format!("{first}-{last}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `firstPendingIndexes`: the lowest `count` indexes below `completions` that are neither
/// done nor running.
pub fn first_pending(taken: &BTreeSet<i32>, count: usize, completions: i32) -> Vec<i32> {
    (0..completions).filter(|i| !taken.contains(i)).take(count).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completed_indexes_are_written_as_intervals() {
        let cases: [(&str, &[i32], &str); 4] = [
            ("nothing done is empty", &[], ""),
            ("a lone index stands alone", &[4], "4"),
            ("two in a row are listed", &[1, 2], "1,2"),
            ("three or more in a row become a range", &[1, 3, 4, 5, 7], "1,3-5,7"),
        ];
        for (name, indexes, want) in cases {
            assert_eq!(format(&indexes.iter().copied().collect()), want, "{name}");
        }
    }

    #[test]
    fn completed_indexes_read_back_within_completions() {
        let read: Vec<i32> = parse("0,2-4,9", 4).into_iter().collect();
        assert_eq!(read, [0, 2, 3]);
        assert!(parse("x,1-", 5).is_empty());
    }

    #[test]
    fn pending_indexes_skip_the_taken_ones() {
        let taken: BTreeSet<i32> = [0, 2].into();
        assert_eq!(first_pending(&taken, 2, 5), [1, 3]);
        assert_eq!(first_pending(&taken, 9, 3), [1]);
    }
}
