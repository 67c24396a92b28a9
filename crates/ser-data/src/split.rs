//! Seeded, reproducible splits over class targets and speaker groups.
//!
//! Every function works on plain slices (targets or group names) and returns indices, so the
//! same code serves a [`crate::Dataset`] or anything else. Randomness comes only from
//! [`SeededRng`] integer draws: the same seed gives the same split on every platform.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::rng::SeededRng;

/// Default test fraction of [`stratified_split`]: 80 % train, 20 % test.
pub const DEFAULT_TEST_FRACTION: f64 = 0.2;

/// Indices of one train/test split, each sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Training indices.
    pub train: Vec<usize>,
    /// Test indices.
    pub test: Vec<usize>,
}

impl Split {
    fn from_test_mask(test_mask: &[bool]) -> Self {
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (i, &t) in test_mask.iter().enumerate() {
            if t { test.push(i) } else { train.push(i) }
        }
        Self { train, test }
    }
}

fn by_class(targets: &[usize]) -> BTreeMap<usize, Vec<usize>> {
    let mut m: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &t) in targets.iter().enumerate() {
        m.entry(t).or_default().push(i);
    }
    m
}

/// Stratified train/test split: in each class, `round(n_class × test_fraction)` items, chosen
/// at random with `seed`, go to test (so each class's test share is within half an item of the
/// fraction), except that a class never gives up its last item: every class stays in train.
/// Classes are visited in ascending order. Draws from [`SeededRng::new`]`(seed)`; see
/// [`stratified_split_with_rng`] to draw from another generator.
///
/// # Errors
/// [`DataError::EmptyInput`] for no targets; [`DataError::InvalidParameter`] when the fraction
/// is not in (0, 1) or leaves the test side empty.
pub fn stratified_split(targets: &[usize], test_fraction: f64, seed: u64) -> Result<Split> {
    stratified_split_with_rng(targets, test_fraction, &mut SeededRng::new(seed))
}

/// [`stratified_split`] drawing from `rng` instead of a fresh generator: the same split for the
/// same stream. `ser-models` holds its LSTM's validation split out with it, on the LSTM's own
/// SplitMix64 stream ([`SeededRng::splitmix64`]).
///
/// # Errors
/// As [`stratified_split`].
pub fn stratified_split_with_rng(
    targets: &[usize],
    test_fraction: f64,
    rng: &mut SeededRng,
) -> Result<Split> {
    if targets.is_empty() {
        return Err(DataError::EmptyInput { what: "targets" });
    }
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(DataError::InvalidParameter {
            name: "test_fraction",
            value: test_fraction.to_string(),
            reason: "must be strictly between 0 and 1".into(),
        });
    }
    let mut mask = vec![false; targets.len()];
    for (_, mut idx) in by_class(targets) {
        rng.shuffle(&mut idx);
        // Below a fraction of 0.5 the rounding never reaches the whole class; from there on a
        // small class would otherwise go entirely to test.
        let n_test =
            ((idx.len() as f64 * test_fraction).round() as usize).min(idx.len().saturating_sub(1));
        for &i in &idx[..n_test] {
            mask[i] = true;
        }
    }
    let split = Split::from_test_mask(&mask);
    // Every class keeps an item, so only the test side can be empty.
    if split.test.is_empty() {
        return Err(DataError::InvalidParameter {
            name: "test_fraction",
            value: test_fraction.to_string(),
            reason: format!("leaves the test side empty with {} items", targets.len()),
        });
    }
    Ok(split)
}

fn check_k(k: usize, available: usize, what: &'static str) -> Result<()> {
    if k < 2 || k > available {
        return Err(DataError::InvalidParameter {
            name: "k",
            value: k.to_string(),
            reason: format!("must be between 2 and the number of {what} ({available})"),
        });
    }
    Ok(())
}

/// Stratified k-fold: each class is shuffled with `seed` and dealt round-robin over the folds,
/// continuing where the previous class stopped, so every class's count differs by at most one
/// between folds and fold sizes differ by at most one. Returns `k` splits whose test sets
/// partition the indices.
///
/// # Errors
/// [`DataError::EmptyInput`] for no targets; [`DataError::InvalidParameter`] unless
/// `2 <= k <= targets.len()`.
pub fn stratified_kfold(targets: &[usize], k: usize, seed: u64) -> Result<Vec<Split>> {
    if targets.is_empty() {
        return Err(DataError::EmptyInput { what: "targets" });
    }
    check_k(k, targets.len(), "items")?;
    let mut rng = SeededRng::new(seed);
    let mut fold_of = vec![0usize; targets.len()];
    let mut next = 0usize;
    for (_, mut idx) in by_class(targets) {
        rng.shuffle(&mut idx);
        for i in idx {
            fold_of[i] = next % k;
            next += 1;
        }
    }
    Ok((0..k)
        .map(|f| Split::from_test_mask(&fold_of.iter().map(|&g| g == f).collect::<Vec<_>>()))
        .collect())
}

fn group_members<S: AsRef<str>>(groups: &[S]) -> BTreeMap<&str, Vec<usize>> {
    let mut m: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        m.entry(g.as_ref()).or_default().push(i);
    }
    m
}

/// Leave-one-group-out (leave-one-speaker-out with speaker names): one split per distinct
/// group, in sorted group order, testing on that group and training on all others.
///
/// # Errors
/// [`DataError::EmptyInput`] for no items; [`DataError::InvalidParameter`] with fewer than two
/// groups.
pub fn leave_one_group_out<S: AsRef<str>>(groups: &[S]) -> Result<Vec<(String, Split)>> {
    if groups.is_empty() {
        return Err(DataError::EmptyInput { what: "groups" });
    }
    let members = group_members(groups);
    check_k(2, members.len(), "groups")?;
    Ok(members
        .keys()
        .map(|&g| {
            let mask: Vec<bool> = groups.iter().map(|x| x.as_ref() == g).collect();
            (g.to_string(), Split::from_test_mask(&mask))
        })
        .collect())
}

/// Group k-fold: whole groups go to folds, no group on both sides. Groups are shuffled with
/// `seed`, then ordered by size (largest first; ties keep the shuffled order) and each is given
/// to the fold with the fewest items so far (lowest fold index on ties).
///
/// # Errors
/// [`DataError::EmptyInput`] for no items; [`DataError::InvalidParameter`] unless
/// `2 <= k <= number of groups`.
pub fn group_kfold<S: AsRef<str>>(groups: &[S], k: usize, seed: u64) -> Result<Vec<Split>> {
    if groups.is_empty() {
        return Err(DataError::EmptyInput { what: "groups" });
    }
    let members = group_members(groups);
    check_k(k, members.len(), "groups")?;
    let mut order: Vec<Vec<usize>> = members.into_values().collect();
    SeededRng::new(seed).shuffle(&mut order);
    order.sort_by_key(|m| std::cmp::Reverse(m.len()));
    let mut sizes = vec![0usize; k];
    let mut fold_of = vec![0usize; groups.len()];
    for m in order {
        let f = (0..k).min_by_key(|&f| (sizes[f], f)).unwrap_or(0);
        sizes[f] += m.len();
        for i in m {
            fold_of[i] = f;
        }
    }
    Ok((0..k)
        .map(|f| Split::from_test_mask(&fold_of.iter().map(|&g| g == f).collect::<Vec<_>>()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn assert_partition(s: &Split, n: usize) {
        let tr: BTreeSet<_> = s.train.iter().copied().collect();
        let te: BTreeSet<_> = s.test.iter().copied().collect();
        assert_eq!(tr.len(), s.train.len(), "duplicate in train");
        assert_eq!(te.len(), s.test.len(), "duplicate in test");
        assert!(tr.is_disjoint(&te));
        assert_eq!(tr.len() + te.len(), n);
        assert!(tr.iter().chain(&te).all(|&i| i < n));
    }

    fn count(targets: &[usize], idx: &[usize], class: usize) -> usize {
        idx.iter().filter(|&&i| targets[i] == class).count()
    }

    fn targets_strategy() -> impl Strategy<Value = Vec<usize>> {
        prop::collection::vec(0usize..5, 10..200)
    }

    proptest! {
        #[test]
        fn stratified_split_properties(targets in targets_strategy(), frac in 0.1f64..0.5, seed: u64) {
            let per_class = by_class(&targets);
            let expected_test: usize = per_class.values().map(|v| (v.len() as f64 * frac).round() as usize).sum();
            if expected_test == 0 || expected_test == targets.len() {
                prop_assert!(stratified_split(&targets, frac, seed).is_err());
                return Ok(());
            }
            let s = stratified_split(&targets, frac, seed).unwrap();
            prop_assert_eq!(s.test.len(), expected_test);
            assert_partition(&s, targets.len());
            for c in 0..5 {
                let n = count(&targets, &(0..targets.len()).collect::<Vec<_>>(), c) as f64;
                let t = count(&targets, &s.test, c) as f64;
                prop_assert!((t - n * frac).abs() <= 1.0, "class {} n {} test {}", c, n, t);
            }
            prop_assert_eq!(s, stratified_split(&targets, frac, seed).unwrap());
        }

        #[test]
        fn stratified_kfold_properties(targets in targets_strategy(), k in 2usize..8, seed: u64) {
            let folds = stratified_kfold(&targets, k, seed).unwrap();
            prop_assert_eq!(folds.len(), k);
            let mut seen = vec![0usize; targets.len()];
            for f in &folds {
                assert_partition(f, targets.len());
                for &i in &f.test { seen[i] += 1; }
            }
            prop_assert!(seen.iter().all(|&c| c == 1), "test sets do not partition");
            for c in 0..5 {
                let per: Vec<usize> = folds.iter().map(|f| count(&targets, &f.test, c)).collect();
                let (lo, hi) = (per.iter().min().unwrap(), per.iter().max().unwrap());
                prop_assert!(hi - lo <= 1, "class {} per fold {:?}", c, per);
            }
            let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
            prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
            prop_assert_eq!(folds, stratified_kfold(&targets, k, seed).unwrap());
        }

        #[test]
        fn group_splits_keep_speakers_apart(groups in prop::collection::vec(0u8..9, 4..150), k in 2usize..5, seed: u64) {
            let names: Vec<String> = groups.iter().map(|g| format!("spk{g}")).collect();
            let n_groups = names.iter().collect::<BTreeSet<_>>().len();
            let n = names.len();
            let check = |s: &Split| {
                assert_partition(s, n);
                let tr: BTreeSet<&str> = s.train.iter().map(|&i| names[i].as_str()).collect();
                let te: BTreeSet<&str> = s.test.iter().map(|&i| names[i].as_str()).collect();
                assert!(tr.is_disjoint(&te), "a speaker on both sides");
            };
            if n_groups >= 2 {
                let loso = leave_one_group_out(&names).unwrap();
                prop_assert_eq!(loso.len(), n_groups);
                for (g, s) in &loso {
                    check(s);
                    prop_assert!(s.test.iter().all(|&i| &names[i] == g));
                }
            }
            if k <= n_groups {
                let folds = group_kfold(&names, k, seed).unwrap();
                let mut seen = vec![0usize; n];
                for f in &folds {
                    check(f);
                    for &i in &f.test { seen[i] += 1; }
                }
                prop_assert!(seen.iter().all(|&c| c == 1));
                prop_assert!(folds.iter().all(|f| !f.test.is_empty()));
                prop_assert_eq!(folds, group_kfold(&names, k, seed).unwrap());
            } else {
                prop_assert!(group_kfold(&names, k, seed).is_err());
            }
        }
    }

    #[test]
    fn different_seeds_give_different_splits() {
        let targets: Vec<usize> = (0..100).map(|i| i % 4).collect();
        let a = stratified_split(&targets, 0.2, 1).unwrap();
        let b = stratified_split(&targets, 0.2, 2).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.test.len(), 20);
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(matches!(
            stratified_split(&[], 0.2, 0),
            Err(DataError::EmptyInput { .. })
        ));
        assert!(stratified_split(&[0, 1, 0], 1.0, 0).is_err());
        assert!(stratified_split(&[0, 1, 0], f64::NAN, 0).is_err());
        assert!(
            stratified_split(&[0, 1], 0.2, 0).is_err(),
            "0.2 of 1 per class leaves test empty"
        );
        assert!(stratified_kfold(&[0, 1, 0], 1, 0).is_err());
        assert!(stratified_kfold(&[0, 1, 0], 4, 0).is_err());
        assert!(leave_one_group_out(&["a", "a"]).is_err());
        assert!(group_kfold(&["a", "b"], 3, 0).is_err());
    }

    #[test]
    fn a_class_keeps_its_last_item_in_train() {
        // 0.6 of one item rounds to the whole class: it stays in train instead.
        let s = stratified_split(&[0, 0, 0, 1], 0.6, 0).unwrap();
        assert_eq!(s.test.len(), 2);
        assert!(s.train.contains(&3));
        let s = stratified_split(&[0, 1, 2], 0.9, 0);
        assert!(
            s.is_err(),
            "nothing can go to test without emptying a class"
        );
    }

    #[test]
    fn a_given_generator_gives_the_seeded_split() {
        let targets: Vec<usize> = (0..60).map(|i| i % 3).collect();
        let mut rng = SeededRng::new(5);
        let with = stratified_split_with_rng(&targets, 0.25, &mut rng).unwrap();
        assert_eq!(with, stratified_split(&targets, 0.25, 5).unwrap());
        let other = stratified_split_with_rng(&targets, 0.25, &mut SeededRng::splitmix64(5));
        assert_ne!(other.unwrap(), with);
    }

    #[test]
    fn loso_on_two_speakers_trains_on_one_tests_on_other() {
        let g = ["OAF", "YAF", "OAF", "YAF", "YAF"];
        let l = leave_one_group_out(&g).unwrap();
        assert_eq!(l[0].0, "OAF");
        assert_eq!(l[0].1.test, vec![0, 2]);
        assert_eq!(l[0].1.train, vec![1, 3, 4]);
        assert_eq!(l[1].0, "YAF");
    }
}
