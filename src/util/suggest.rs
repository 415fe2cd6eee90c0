//! "Did you mean …?" suggestions.

/// The closest candidate to `input` by edit distance (case-folded), if close enough to help.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.to_lowercase();
    let input_len = input.chars().count();
    candidates
        .filter_map(|c| {
            let allowed = (c.chars().count() / 3).max(2);
            let lower = c.to_lowercase();
            // The distance is at least the difference in length: most candidates of a
            // large vault are ruled out without computing it.
            if lower.chars().count().abs_diff(input_len) > allowed {
                return None;
            }
            let distance = strsim::levenshtein(&input, &lower);
            (distance <= allowed).then_some((distance, c))
        })
        // Equally close candidates by name: callers may list them in any order (a
        // hash map's), and the same portfolio must give the same words every time.
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

/// The closest outcome id. Ties (`A1.9` is one edit from each of `A1.1`…`A1.7`) go to the
/// candidate sharing the longest prefix, then to the numerically nearest last number, so
/// `A1.9` suggests `A1.7`, the last indicator of `A1`.
pub(crate) fn closest_id<'a>(
    input: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.trim().to_uppercase();
    let last_number = |s: &str| -> Option<i64> {
        s.rsplit(|c: char| c == '.' || c.is_ascii_alphabetic())
            .next()?
            .parse()
            .ok()
    };
    let wanted = last_number(&input);
    candidates
        .filter_map(|c| {
            let upper = c.to_uppercase();
            let distance = strsim::levenshtein(&input, &upper);
            let limit = (upper.chars().count() / 2).clamp(1, 3);
            (distance <= limit).then(|| {
                let prefix = input
                    .chars()
                    .zip(upper.chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                let gap = match (wanted, last_number(&upper)) {
                    (Some(a), Some(b)) => (a - b).abs(),
                    _ => i64::MAX,
                };
                ((distance, std::cmp::Reverse(prefix), gap), c)
            })
        })
        .min_by_key(|(key, _)| *key)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equally_close_candidates_give_the_same_answer_in_any_order() {
        let names = ["python tuples", "python lists", "python sets"];
        let reversed: Vec<&str> = names.iter().rev().copied().collect();
        let a = closest("python listes", names.iter().copied());
        assert_eq!(a, Some("python lists"));
        let tie = closest(
            "python tupls",
            ["python tuples", "python tuplr"].into_iter(),
        );
        let tie_reversed = closest(
            "python tupls",
            ["python tuplr", "python tuples"].into_iter(),
        );
        assert_eq!(tie, tie_reversed);
        assert_eq!(closest("python listes", reversed.into_iter()), a);
    }

    #[test]
    fn out_of_range_indicator_suggests_the_nearest() {
        let ids = ["A1", "A1.1", "A1.2", "A1.7", "A2.1", "B5.2"];
        assert_eq!(closest_id("A1.9", ids.iter().copied()), Some("A1.7"));
        assert_eq!(closest_id("b5.3", ids.iter().copied()), Some("B5.2"));
        assert_eq!(closest_id("Z9.9.9", ids.iter().copied()), None);
    }

    #[test]
    fn words_suggest_within_a_threshold() {
        let types = ["reflection", "observation", "case-study"];
        assert_eq!(
            closest("relfection", types.iter().copied()),
            Some("reflection")
        );
        assert_eq!(closest("banana", types.iter().copied()), None);
    }
}
