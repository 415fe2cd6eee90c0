//! "Did you mean …?" suggestions.

/// The closest candidate to `input` by edit distance (case-folded), if close enough to help.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    Suggester::new(candidates).closest(input).copied()
}

/// Candidates made ready once for many [`closest`] questions: folded, counted and sorted
/// by length, so each question measures only the candidates its length allows. A
/// portfolio's broken links each ask over every note name.
pub(crate) struct Suggester<T> {
    /// (folded length, edits allowed, folded, candidate), by folded length.
    by_len: Vec<(usize, usize, String, T)>,
    /// The [`Letters`] of each folded candidate, in the same order.
    letters: Vec<Letters>,
    /// Answers given, by folded question: a broken name is often written many times.
    answered: std::sync::Mutex<std::collections::HashMap<String, Option<usize>>>,
}

impl<T: AsRef<str>> Suggester<T> {
    pub(crate) fn new(candidates: impl IntoIterator<Item = T>) -> Suggester<T> {
        let mut by_len: Vec<_> = candidates
            .into_iter()
            .map(|c| {
                let allowed = (c.as_ref().chars().count() / 3).max(2);
                let lower = c.as_ref().to_lowercase();
                (lower.chars().count(), allowed, lower, c)
            })
            .collect();
        by_len.sort_by_key(|&(len, ..)| len);
        let letters = by_len
            .iter()
            .map(|(_, _, lower, _)| Letters::of(lower))
            .collect();
        Suggester {
            by_len,
            letters,
            answered: Default::default(),
        }
    }

    /// The closest candidate to `input`: the fewest edits, within a third of the
    /// candidate's length (at least two); equally close ones by name, so the answer
    /// never depends on the candidates' order.
    pub(crate) fn closest(&self, input: &str) -> Option<&T> {
        let input = input.to_lowercase();
        let known = self
            .answered
            .lock()
            .ok()
            .and_then(|m| m.get(&input).copied());
        let best = match known {
            Some(best) => best,
            None => {
                let best = self.search(&input);
                if let Ok(mut map) = self.answered.lock() {
                    map.insert(input, best);
                }
                best
            }
        };
        best.map(|i| &self.by_len[i].3)
    }

    /// The index in `by_len` of the closest candidate to the folded `input`.
    fn search(&self, input: &str) -> Option<usize> {
        let n = input.chars().count();
        let input_letters = Letters::of(input);
        // The distance is at least the difference in length, and folding never shortens
        // a name: only lengths within a third (or two) of their own can be close enough.
        let shortest = n.saturating_sub(2).min(n * 3 / 4);
        let longest = (n + 2).max(n * 3 / 2 + 2);
        let from = self.by_len.partition_point(|&(len, ..)| len < shortest);
        let to = self.by_len.partition_point(|&(len, ..)| len <= longest);
        (from..to.max(from))
            .filter_map(|i| {
                let (len, allowed, lower, c) = &self.by_len[i];
                if len.abs_diff(n) > *allowed
                    || self.letters[i].fewest_edits_from(&input_letters) > *allowed
                {
                    return None;
                }
                let distance = strsim::levenshtein(input, lower);
                (distance <= *allowed).then_some((distance, c.as_ref(), i))
            })
            .min_by_key(|&(d, c, _)| (d, c))
            .map(|(.., i)| i)
    }
}

/// How many of each letter a name has (letters hashed into 32 counts): a cheap lower
/// bound on the edit distance between two names, so most candidates are ruled out
/// without computing it.
struct Letters([u8; 32]);

impl Letters {
    fn of(text: &str) -> Letters {
        let mut counts = [0u8; 32];
        for c in text.chars() {
            let slot = &mut counts[c as usize % 32];
            *slot = slot.saturating_add(1);
        }
        Letters(counts)
    }

    /// At least this many edits turn one into the other: an insertion or deletion
    /// changes one count by one, a substitution two counts by one each. Counts merged by
    /// the hash or capped only make the bound lower.
    fn fewest_edits_from(&self, other: &Letters) -> usize {
        let differ: usize = self
            .0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| usize::from(a.abs_diff(*b)))
            .sum();
        differ.div_ceil(2)
    }
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

    /// The closest candidate by brute force, as the definition says.
    fn brute(input: &str, candidates: &[String]) -> Option<String> {
        let input = input.to_lowercase();
        candidates
            .iter()
            .filter_map(|c| {
                let allowed = (c.chars().count() / 3).max(2);
                let distance = strsim::levenshtein(&input, &c.to_lowercase());
                (distance <= allowed).then_some((distance, c.clone()))
            })
            .min()
            .map(|(_, c)| c)
    }

    proptest::proptest! {
        #[test]
        fn the_length_buckets_never_miss_the_closest(
            input in "[a-zA-Zé İ-]{0,14}",
            candidates in proptest::collection::vec("[a-zA-Zé İ-]{0,16}", 0..30),
        ) {
            let suggester = Suggester::new(candidates.iter().map(String::as_str));
            let expected = brute(&input, &candidates);
            // Asked twice: the second answer is the remembered one.
            for _ in 0..2 {
                proptest::prop_assert_eq!(
                    suggester.closest(&input).map(|c| c.to_string()),
                    expected.clone()
                );
            }
        }
    }
}
