//! "Did you mean …?" suggestions.

use crate::util::text::lower_case;
use rapidfuzz::distance::levenshtein::{Args, BatchComparator};

/// The closest candidate to `input` by edit distance (case-folded), if close enough to help.
/// For one question: each candidate is folded, and measured only when its length is in
/// the question's window, so nothing is made ready for questions never asked (a broken
/// `#heading` asks over the headings of one note, once).
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let question = Question::of(&lower_case(input));
    let mut best: Option<(usize, &'a str)> = None;
    for value in candidates {
        // Folding never shortens a name, so one already too long is passed over
        // before it is folded.
        if value.chars().count() > *question.window.end() {
            continue;
        }
        let lower = lower_case(value);
        if !question.window.contains(&lower.chars().count()) {
            continue;
        }
        let folded: Vec<char> = lower.chars().collect();
        let allowed = allowed_edits(value);
        let within = best.map_or(allowed, |(d, _)| d.min(allowed));
        let Some(distance) = question.distance(&folded, || Letters::of(&lower), within) else {
            continue;
        };
        if best.is_none_or(|(d, v)| (distance, value) < (d, v)) {
            best = Some((distance, value));
        }
    }
    best.map(|(_, value)| value)
}

/// How many edits a candidate allows: a third of its length, at least two.
fn allowed_edits(candidate: &str) -> usize {
    (candidate.chars().count() / 3).max(2)
}

/// A folded question, ready to be measured against candidates.
struct Question {
    /// Its characters made ready once for a bit-parallel Levenshtein against many
    /// candidates (rapidfuzz: a machine word per 64 characters, not a table per pair).
    comparator: BatchComparator<char>,
    /// Its length in characters.
    len: usize,
    letters: Letters,
    /// The folded lengths a close enough candidate can have. The distance is at least the
    /// difference in length, and folding never shortens a name: only lengths within a
    /// third (or two) of their own can be close enough.
    window: std::ops::RangeInclusive<usize>,
}

impl Question {
    fn of(folded: &str) -> Question {
        let n = folded.chars().count();
        Question {
            comparator: BatchComparator::new(folded.chars()),
            len: n,
            letters: Letters::of(folded),
            window: n.saturating_sub(2).min(n * 3 / 4)..=(n + 2).max(n * 3 / 2 + 2),
        }
    }

    /// The distance to a folded candidate if it is at most `within`; its letters are
    /// counted only once its length allows it.
    fn distance(
        &self,
        folded: &[char],
        letters: impl FnOnce() -> Letters,
        within: usize,
    ) -> Option<usize> {
        if folded.len().abs_diff(self.len) > within
            || letters().fewest_edits_from(&self.letters) > within
        {
            return None;
        }
        self.comparator.distance_with_args(
            folded.iter().copied(),
            &Args::default().score_cutoff(within),
        )
    }
}

/// Candidates made ready once for many [`closest`] questions: folded, counted and sorted
/// by length, so each question measures only the candidates its length allows. A
/// portfolio's broken links each ask over every note name.
pub(crate) struct Suggester<T> {
    /// Every candidate, by folded length.
    by_len: Vec<Candidate<T>>,
    /// Answers given, by folded question: a broken name is often written many times.
    answered: std::sync::Mutex<std::collections::HashMap<String, Option<usize>>>,
}

/// One candidate made ready: folded into characters, counted, and how many edits it
/// allows.
struct Candidate<T> {
    folded: Vec<char>,
    letters: Letters,
    allowed: usize,
    value: T,
}

impl<T: AsRef<str>> Suggester<T> {
    pub(crate) fn new(candidates: impl IntoIterator<Item = T>) -> Suggester<T> {
        let mut by_len: Vec<Candidate<T>> = candidates
            .into_iter()
            .map(|value| {
                let lower = lower_case(value.as_ref());
                Candidate {
                    folded: lower.chars().collect(),
                    letters: Letters::of(&lower),
                    allowed: allowed_edits(value.as_ref()),
                    value,
                }
            })
            .collect();
        by_len.sort_by_key(|c| c.folded.len());
        Suggester {
            by_len,
            answered: Default::default(),
        }
    }

    /// The closest candidate to `input`: the fewest edits, within a third of the
    /// candidate's length (at least two); equally close ones by name, so the answer
    /// never depends on the candidates' order.
    pub(crate) fn closest(&self, input: &str) -> Option<&T> {
        let input = lower_case(input);
        let known = self
            .answered
            .lock()
            .ok()
            .and_then(|m| m.get(input.as_ref()).copied());
        let best = match known {
            Some(best) => best,
            None => {
                let best = self.search(&input);
                if let Ok(mut map) = self.answered.lock() {
                    map.insert(input.into_owned(), best);
                }
                best
            }
        };
        best.map(|i| &self.by_len[i].value)
    }

    /// The index in `by_len` of the closest candidate to the folded `input`.
    fn search(&self, input: &str) -> Option<usize> {
        let question = Question::of(input);
        let from = self
            .by_len
            .partition_point(|c| c.folded.len() < *question.window.start());
        let to = self
            .by_len
            .partition_point(|c| c.folded.len() <= *question.window.end());
        // The best so far, by (distance, candidate): a candidate further than it can
        // never win, so its distance is measured only as far as the best one's.
        let mut best: Option<(usize, &str, usize)> = None;
        for (i, c) in self.by_len.iter().enumerate().take(to).skip(from) {
            let within = best.map_or(c.allowed, |(d, ..)| d.min(c.allowed));
            let Some(distance) = question.distance(&c.folded, || c.letters, within) else {
                continue;
            };
            let value = c.value.as_ref();
            if best.is_none_or(|(d, v, _)| (distance, value) < (d, v)) {
                best = Some((distance, value, i));
            }
        }
        best.map(|(.., i)| i)
    }
}

/// How many of each letter a name has (letters hashed into 32 counts): a cheap lower
/// bound on the edit distance between two names, so most candidates are ruled out
/// without computing it.
#[derive(Clone, Copy)]
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
        crate::util::bytes::sum_of_differences(&self.0, &other.0).div_ceil(2)
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
        fn a_bounded_distance_is_the_distance_when_within_its_bound(
            a in "[ab é-]{0,80}",
            b in "[ab é-]{0,80}",
            max in 0usize..12,
        ) {
            let full = strsim::levenshtein(&a, &b);
            let question = Question::of(&a);
            let b_chars: Vec<char> = b.chars().collect();
            proptest::prop_assert_eq!(
                question.distance(&b_chars, || Letters::of(&b), max),
                (full <= max).then_some(full)
            );
        }

        #[test]
        fn the_length_windows_never_miss_the_closest(
            input in "[a-zA-Zé İ-]{0,14}",
            candidates in proptest::collection::vec("[a-zA-Zé İ-]{0,16}", 0..30),
        ) {
            let suggester = Suggester::new(candidates.iter().map(String::as_str));
            let expected = brute(&input, &candidates);
            proptest::prop_assert_eq!(
                closest(&input, candidates.iter().map(String::as_str)).map(str::to_string),
                expected.clone()
            );
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
