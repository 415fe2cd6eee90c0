//! Competition ranking ("1, 1, 3"), so lists that are cut short still show their ties.

/// For a slice already sorted by `key`, each item's rank (1-based; equal keys share the
/// rank of the first of them) and how many items share it.
pub(crate) fn competition<T, K: PartialEq>(
    sorted: &[T],
    key: impl Fn(&T) -> K,
) -> Vec<(usize, usize)> {
    let mut ranks = Vec::with_capacity(sorted.len());
    let mut start = 0;
    while start < sorted.len() {
        let first = key(&sorted[start]);
        let end = sorted[start..]
            .iter()
            .position(|t| key(t) != first)
            .map_or(sorted.len(), |n| start + n);
        ranks.extend(std::iter::repeat_n((start + 1, end - start), end - start));
        start = end;
    }
    ranks
}

/// How many items after the first `shown` share the rank of the last one shown.
pub(crate) fn more_tied(ranks: &[(usize, usize)], shown: usize) -> usize {
    match shown.checked_sub(1).and_then(|last| ranks.get(last)) {
        Some(&(rank, _)) => ranks[shown..].iter().take_while(|r| r.0 == rank).count(),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_share_a_rank_and_the_next_rank_skips() {
        let ranks = competition(&[5, 5, 3, 2, 2, 2], |&k| k);
        assert_eq!(ranks, [(1, 2), (1, 2), (3, 1), (4, 3), (4, 3), (4, 3)]);
        assert_eq!(more_tied(&ranks, 4), 2);
        assert_eq!(more_tied(&ranks, 3), 0);
        assert_eq!(more_tied(&ranks, 0), 0);
        assert_eq!(more_tied(&ranks, 6), 0);
        assert!(competition(&[] as &[u8], |&k| k).is_empty());
    }
}
