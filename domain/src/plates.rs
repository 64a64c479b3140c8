//! Which plates make a barbell load: per side, from the lifter's own bar and plates.
//!
//! Loads are worked in whole grams, in steps of the plates' greatest common size, so 1.25 kg
//! plates and pound plates add up exactly. The plates a side are found exactly, the fewest
//! that make the load (a bounded knapsack), not greedily: with one pair of 15s and two of
//! 10s, 20 kg a side is 10 + 10, which taking the 15 first misses.

use serde::{Deserialize, Serialize};

/// The bar and the plates a lifter owns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub bar_kg: f64,
    /// Each plate size in kilograms with the number of pairs owned (one plate a side each).
    pub pairs: Vec<(f64, u32)>,
}

/// Bounds that keep the search small (a home gym or a commercial one fits well inside).
pub const MAX_SIZES: usize = 12;
pub const MAX_PAIRS: u32 = 20;
pub const MAX_PLATE_KG: f64 = 50.0;
pub const MAX_BAR_KG: f64 = 50.0;
/// The most plates a side may hold in all.
pub const MAX_SIDE_KG: f64 = 500.0;

impl Inventory {
    /// A common gym: a 20 kg bar and two pairs of each usual plate down to 1.25 kg.
    pub fn standard_kg() -> Self {
        Self {
            bar_kg: 20.0,
            pairs: [25.0, 20.0, 15.0, 10.0, 5.0, 2.5, 1.25]
                .iter()
                .map(|&kg| (kg, 2))
                .collect(),
        }
    }

    /// What is wrong with it, if anything.
    pub fn problem(&self) -> Option<String> {
        if !(self.bar_kg.is_finite() && (0.0..=MAX_BAR_KG).contains(&self.bar_kg)) {
            return Some(format!("the bar must weigh between 0 and {MAX_BAR_KG} kg"));
        }
        if self.pairs.len() > MAX_SIZES {
            return Some(format!("at most {MAX_SIZES} plate sizes"));
        }
        for &(kg, pairs) in &self.pairs {
            if !(kg.is_finite() && (0.01..=MAX_PLATE_KG).contains(&kg)) {
                return Some(format!(
                    "a plate of {kg} kg: sizes go from 0.01 to {MAX_PLATE_KG} kg"
                ));
            }
            if pairs > MAX_PAIRS {
                return Some(format!(
                    "{pairs} pairs of {kg} kg: at most {MAX_PAIRS} pairs of a size"
                ));
            }
        }
        let side: f64 = self.pairs.iter().map(|&(kg, n)| kg * f64::from(n)).sum();
        if side > MAX_SIDE_KG {
            return Some(format!(
                "{side} kg of plates a side: at most {MAX_SIDE_KG} kg"
            ));
        }
        None
    }
}

/// How a load goes on the bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loading {
    /// Per side, heaviest first: (plate size in kg, how many).
    Plates(Vec<(f64, u32)>),
    /// These plates cannot make it. The nearest loads they can make on either side: None
    /// below when even the bare bar is heavier, None above when all the plates are lighter.
    Unreachable {
        below: Option<f64>,
        above: Option<f64>,
    },
}

fn grams(kg: f64) -> i64 {
    (kg * 1000.0).round() as i64
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

/// How to load `target_kg` with `inventory` (which [`Inventory::problem`] should have passed;
/// plate sizes outside its bounds are left out, counts above [`MAX_PAIRS`] cut to it, and at
/// most [`MAX_SIDE_KG`] a side is considered).
pub fn load(target_kg: f64, inventory: &Inventory) -> Loading {
    if target_kg.is_nan() {
        return Loading::Unreachable {
            below: None,
            above: None,
        };
    }
    // Sizes in grams, heaviest first, merged when named twice.
    let mut sizes: Vec<(i64, u32)> = Vec::new();
    for &(kg, pairs) in &inventory.pairs {
        if !(kg.is_finite() && (0.01..=MAX_PLATE_KG).contains(&kg)) || pairs == 0 {
            continue;
        }
        let g = grams(kg);
        match sizes.iter_mut().find(|(s, _)| *s == g) {
            Some(entry) => entry.1 = (entry.1 + pairs).min(MAX_PAIRS),
            None => sizes.push((g, pairs.min(MAX_PAIRS))),
        }
    }
    sizes.sort_by_key(|&(g, _)| std::cmp::Reverse(g));
    let unit = sizes.iter().fold(0, |g, &(s, _)| gcd(g, s)).max(1);
    let bar = if inventory.bar_kg.is_finite() {
        grams(inventory.bar_kg.clamp(0.0, MAX_BAR_KG))
    } else {
        0
    };
    let target = grams(target_kg.clamp(-1.0, MAX_BAR_KG + 2.0 * MAX_SIDE_KG + 1.0));
    let total = |side: usize| (bar + 2 * side as i64 * unit) as f64 / 1000.0;

    // Sizes are rounded to grams (a 45 lb plate is 20,411.65 g), so a load matches within
    // this many grams: well under any plate, and more than the rounding of a full bar.
    let smallest = sizes.last().map_or(200, |&(g, _)| g);
    let tolerance = (smallest / 4).min(50);
    let extra = target - bar;
    // How far a side is off the target, in grams, with `side` units on it.
    let off = |side: usize| 2 * side as i64 * unit - extra;

    // The table of one side's amounts, in units. Anything reachable above the target is
    // reachable within one plate of it (take plates off one by one), so it stops there.
    let owned: i64 = sizes.iter().map(|&(s, n)| s / unit * i64::from(n)).sum();
    let heaviest = sizes.first().map_or(0, |&(s, _)| s / unit);
    let reach = ((extra + tolerance).div_euclid(2 * unit) + heaviest)
        .clamp(0, owned.min(grams(MAX_SIDE_KG) / unit));
    let len = usize::try_from(reach).unwrap_or(0) + 1;

    // Binary splitting: n pairs of a size become items of 1, 2, 4, … plates, which make every
    // count from 0 to n; then a 0/1 knapsack over the items, fewest plates per amount, with
    // a bitset per item of the amounts it improved, to read the plates back.
    let mut items: Vec<(usize, u32)> = Vec::new(); // (size index, plates)
    for (i, &(_, n)) in sizes.iter().enumerate() {
        let (mut left, mut k) = (n, 1);
        while left > 0 {
            let take = k.min(left);
            items.push((i, take));
            left -= take;
            k *= 2;
        }
    }
    let step_of = |i: usize, plates: u32| {
        usize::try_from(sizes[i].0 / unit * i64::from(plates)).unwrap_or(usize::MAX)
    };
    let mut fewest: Vec<Option<u32>> = vec![None; len];
    fewest[0] = Some(0);
    let mut took: Vec<Vec<u64>> = Vec::with_capacity(items.len());
    for &(i, plates) in &items {
        let step = step_of(i, plates);
        let mut row = vec![0u64; len.div_ceil(64)];
        for s in (step..len).rev() {
            if let Some(from) = fewest[s - step] {
                if fewest[s].is_none_or(|now| from + plates < now) {
                    fewest[s] = Some(from + plates);
                    row[s / 64] |= 1 << (s % 64);
                }
            }
        }
        took.push(row);
    }
    let reachable = |s: &usize| fewest[*s].is_some();

    // The amount closest to the target within the tolerance, then the fewest plates.
    let exact = (0..len)
        .filter(reachable)
        .filter(|&s| off(s).abs() <= tolerance)
        .min_by_key(|&s| (off(s).abs(), fewest[s]));
    match exact {
        Some(mut s) => {
            let units: Vec<(usize, u32)> = sizes
                .iter()
                .map(|&(g, n)| (usize::try_from(g / unit).unwrap_or(usize::MAX), n))
                .collect();
            let plates = fewest[s].unwrap_or(0);
            let count = match heaviest_first(&units, s, plates, &fewest) {
                Some(count) => count,
                None => {
                    // The table's own answer: as few plates, whichever sizes it met first.
                    let mut count = vec![0u32; sizes.len()];
                    for (&(i, plates), row) in items.iter().zip(&took).rev() {
                        if row[s / 64] & (1 << (s % 64)) != 0 {
                            count[i] += plates;
                            s -= step_of(i, plates);
                        }
                    }
                    count
                }
            };
            Loading::Plates(
                sizes
                    .iter()
                    .zip(count)
                    .filter(|(_, n)| *n > 0)
                    .map(|(&(g, _), n)| (g as f64 / 1000.0, n))
                    .collect(),
            )
        }
        None => Loading::Unreachable {
            below: (0..len)
                .rev()
                .filter(reachable)
                .find(|&s| off(s) < -tolerance)
                .map(total),
            above: (0..len)
                .filter(reachable)
                .find(|&s| off(s) > tolerance)
                .map(total),
        },
    }
}

/// Steps the search below may take before it leaves the choice to the table.
const SEARCH_BUDGET: u32 = 100_000;

/// Of the ways to make `amount` units a side with exactly `plates` plates (sizes in units,
/// heaviest first, with the pairs owned), the one with the most of the heaviest size, then of
/// the next: how a lifter loads a bar (25 + 15, not 20 + 20). A depth-first search, heaviest
/// size first, cut wherever the plates left cannot make what is left (`fewest`, the table's
/// fewest plates per amount with every plate owned, bounds it from below). None past
/// [`SEARCH_BUDGET`] steps.
fn heaviest_first(
    units: &[(usize, u32)],
    amount: usize,
    plates: u32,
    fewest: &[Option<u32>],
) -> Option<Vec<u32>> {
    struct Search<'a> {
        units: &'a [(usize, u32)],
        fewest: &'a [Option<u32>],
        count: Vec<u32>,
        budget: u32,
    }
    impl Search<'_> {
        fn go(&mut self, i: usize, amount: usize, plates: u32) -> bool {
            if amount == 0 {
                return plates == 0;
            }
            if i == self.units.len() || plates == 0 || self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            let needs = self.fewest.get(amount).copied().flatten();
            if needs.is_none_or(|n| n > plates) {
                return false;
            }
            let (size, owned) = self.units[i];
            if size == 0 || amount > size.saturating_mul(plates as usize) {
                return false;
            }
            let most = owned
                .min(plates)
                .min(u32::try_from(amount / size).unwrap_or(u32::MAX));
            for k in (0..=most).rev() {
                self.count[i] = k;
                if self.go(i + 1, amount - k as usize * size, plates - k) {
                    return true;
                }
            }
            self.count[i] = 0;
            false
        }
    }
    let mut search = Search {
        units,
        fewest,
        count: vec![0; units.len()],
        budget: SEARCH_BUDGET,
    };
    search.go(0, amount, plates).then_some(search.count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn inv(bar: f64, pairs: &[(f64, u32)]) -> Inventory {
        Inventory {
            bar_kg: bar,
            pairs: pairs.to_vec(),
        }
    }

    /// The plates a side, as (count, kg per side); ties between sets of as many plates are
    /// the search's to break.
    fn side(loading: &Loading) -> (u32, f64) {
        match loading {
            Loading::Plates(p) => (
                p.iter().map(|&(_, n)| n).sum(),
                p.iter().map(|&(kg, n)| kg * f64::from(n)).sum(),
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn usual_loads_take_the_fewest_plates() {
        let gym = Inventory::standard_kg();
        assert_eq!(load(20.0, &gym), Loading::Plates(vec![]));
        assert_eq!(side(&load(100.0, &gym)), (2, 40.0));
        assert_eq!(side(&load(102.5, &gym)), (3, 41.25));
        assert_eq!(side(&load(140.0, &gym)), (3, 60.0));
        assert_eq!(load(70.0, &gym), Loading::Plates(vec![(25.0, 1)]));
        // Heaviest first in what is returned.
        let Loading::Plates(p) = load(117.5, &gym) else {
            panic!("117.5 kg is 48.75 a side");
        };
        assert!(p.windows(2).all(|w| w[0].0 > w[1].0), "{p:?}");
    }

    #[test]
    fn exact_where_taking_the_heaviest_first_fails() {
        let odd = inv(20.0, &[(15.0, 1), (10.0, 2)]);
        assert_eq!(load(60.0, &odd), Loading::Plates(vec![(10.0, 2)]));
    }

    #[test]
    fn what_cannot_be_made_names_the_nearest_that_can() {
        let gym = Inventory::standard_kg();
        assert_eq!(
            load(101.0, &gym),
            Loading::Unreachable {
                below: Some(100.0),
                above: Some(102.5)
            }
        );
        assert_eq!(
            load(15.0, &gym),
            Loading::Unreachable {
                below: None,
                above: Some(20.0)
            }
        );
        // Two pairs of everything: 20 + 2 × 2 × (25+20+15+10+5+2.5+1.25) = 335 kg at most.
        assert_eq!(
            load(400.0, &gym),
            Loading::Unreachable {
                below: Some(335.0),
                above: None
            }
        );
        assert_eq!(
            load(30.0, &inv(20.0, &[])),
            Loading::Unreachable {
                below: Some(20.0),
                above: None
            }
        );
    }

    #[test]
    fn pound_plates_add_up_exactly() {
        let lb = |x: f64| x * 0.453_592_37;
        let home = inv(
            lb(45.0),
            &[(lb(45.0), 4), (lb(25.0), 1), (lb(10.0), 1), (lb(5.0), 1)],
        );
        assert_eq!(load(lb(225.0), &home), Loading::Plates(vec![(20.412, 2)]));
        assert_eq!(
            load(lb(275.0), &home),
            Loading::Plates(vec![(20.412, 2), (11.34, 1)])
        );
    }

    #[test]
    fn a_bad_inventory_is_named() {
        assert!(inv(20.0, &[(0.0, 1)]).problem().is_some());
        assert!(inv(-1.0, &[]).problem().is_some());
        assert!(inv(20.0, &[(2.5, MAX_PAIRS + 1)]).problem().is_some());
        assert!(inv(20.0, &[(f64::NAN, 1)]).problem().is_some());
        assert!(inv(20.0, &vec![(5.0, 1); MAX_SIZES + 1])
            .problem()
            .is_some());
        assert!(
            inv(20.0, &[(50.0, MAX_PAIRS)]).problem().is_some(),
            "1000 kg a side"
        );
        assert!(Inventory::standard_kg().problem().is_none());
    }

    #[test]
    fn any_target_gets_an_answer() {
        let gym = Inventory::standard_kg();
        assert_eq!(
            load(f64::INFINITY, &gym),
            Loading::Unreachable {
                below: Some(335.0),
                above: None
            }
        );
        assert_eq!(
            load(-1e300, &gym),
            Loading::Unreachable {
                below: None,
                above: Some(20.0)
            }
        );
        assert_eq!(
            load(f64::NAN, &gym),
            Loading::Unreachable {
                below: None,
                above: None
            }
        );
    }

    #[test]
    fn pounds_and_kilograms_mixed_still_add_up() {
        let lb = |x: f64| x * 0.453_592_37;
        let mixed = inv(lb(45.0), &[(lb(45.0), 8), (1.25, 1), (lb(2.5), 1)]);
        assert_eq!(load(lb(225.0), &mixed), Loading::Plates(vec![(20.412, 2)]));
        assert_eq!(load(lb(765.0), &mixed), Loading::Plates(vec![(20.412, 8)]));
        assert_eq!(
            load(lb(230.0), &mixed),
            Loading::Plates(vec![(20.412, 2), (1.134, 1)])
        );
    }

    /// The plates owned, merged by size, each size in the integer unit `scale` gives.
    fn owned_by(sizes: &[(f64, u32)], scale: impl Fn(f64) -> i64) -> Vec<(i64, u32)> {
        let mut owned: Vec<(i64, u32)> = Vec::new();
        for &(size, n) in sizes {
            let unit = scale(size);
            match owned.iter_mut().find(|(s, _)| *s == unit) {
                Some(o) => o.1 += n,
                None => owned.push((unit, n)),
            }
        }
        owned
    }

    /// Every way to load one side, by brute force: (size, plates).
    fn all_sides(sizes: &[(i64, u32)]) -> Vec<(i64, u32)> {
        let mut out = vec![(0, 0)];
        for &(size, pairs) in sizes {
            out = out
                .iter()
                .flat_map(|&(sum, plates)| {
                    (0..=pairs).map(move |n| (sum + size * i64::from(n), plates + n))
                })
                .collect();
        }
        out
    }

    proptest! {
        #[test]
        fn the_fewest_plates_that_make_exactly_the_load_or_the_nearest_loads(
            sizes in proptest::collection::vec(
                (prop::sample::select(vec![0.5, 1.25, 2.5, 5.0, 10.0, 15.0, 20.0, 25.0]), 0u32..4),
                0..5,
            ),
            quarter_kgs in 0u32..1200,
        ) {
            let bar = 20.0;
            let target = f64::from(quarter_kgs) * 0.25;
            let owned = owned_by(&sizes, grams);
            let ways = all_sides(&owned);
            let want = grams(target) - grams(bar);
            let fewest = ways
                .iter()
                .filter(|&&(side, _)| 2 * side == want)
                .map(|&(_, plates)| plates)
                .min();
            match load(target, &inv(bar, &sizes)) {
                Loading::Plates(plates) => {
                    let side: i64 = plates.iter().map(|&(kg, n)| grams(kg) * i64::from(n)).sum();
                    prop_assert_eq!(2 * side + grams(bar), grams(target));
                    for &(kg, n) in &plates {
                        let have: u32 = owned.iter().filter(|(s, _)| *s == grams(kg)).map(|(_, n)| *n).sum();
                        prop_assert!(n <= have, "{} of {} kg, {} owned", n, kg, have);
                    }
                    prop_assert_eq!(Some(plates.iter().map(|&(_, n)| n).sum()), fewest);
                }
                Loading::Unreachable { below, above } => {
                    prop_assert_eq!(fewest, None);
                    let totals: Vec<i64> = ways.iter().map(|&(side, _)| grams(bar) + 2 * side).collect();
                    let t = grams(target);
                    prop_assert_eq!(below.map(grams), totals.iter().copied().filter(|&x| x < t).max());
                    prop_assert_eq!(above.map(grams), totals.iter().copied().filter(|&x| x > t).min());
                }
            }
        }

        #[test]
        fn in_pounds_the_same_as_counting_quarter_pounds(
            sizes in proptest::collection::vec(
                (prop::sample::select(vec![2.5, 5.0, 10.0, 25.0, 35.0, 45.0]), 0u32..4),
                0..5,
            ),
            target_quarters in 0u32..2800,
        ) {
            let to_kg = |lb: f64| lb * 0.453_592_37;
            let quarters = |kg: f64| (kg / 0.453_592_37 * 4.0).round() as i64;
            let bar = 45.0;
            let inventory = inv(to_kg(bar), &sizes.iter().map(|&(lb, n)| (to_kg(lb), n)).collect::<Vec<_>>());
            let owned = owned_by(&sizes, |lb| (lb * 4.0) as i64);
            let ways = all_sides(&owned);
            let target = i64::from(target_quarters);
            let want = target - 180;
            let fewest = ways.iter().filter(|&&(side, _)| 2 * side == want).map(|&(_, p)| p).min();
            match load(to_kg(target as f64 / 4.0), &inventory) {
                Loading::Plates(plates) => {
                    let side: i64 = plates.iter().map(|&(kg, n)| quarters(kg) * i64::from(n)).sum();
                    prop_assert_eq!(2 * side, want);
                    prop_assert_eq!(Some(plates.iter().map(|&(_, n)| n).sum()), fewest);
                }
                Loading::Unreachable { below, above } => {
                    prop_assert_eq!(fewest, None);
                    let totals: Vec<i64> = ways.iter().map(|&(side, _)| 180 + 2 * side).collect();
                    prop_assert_eq!(below.map(quarters), totals.iter().copied().filter(|&x| x < target).max());
                    prop_assert_eq!(above.map(quarters), totals.iter().copied().filter(|&x| x > target).min());
                }
            }
        }
    }

    proptest! {
        #[test]
        fn of_as_few_plates_the_heaviest_are_taken_first(
            sizes in proptest::collection::vec(
                (prop::sample::select(vec![1.25, 2.5, 5.0, 10.0, 15.0, 20.0, 25.0]), 0u32..4),
                0..6,
            ),
            quarter_kgs in 80u32..1000,
        ) {
            let bar = 20.0;
            let target = f64::from(quarter_kgs) * 0.25;
            let mut owned = owned_by(&sizes, grams);
            owned.sort_by_key(|&(g, _)| std::cmp::Reverse(g));
            let want = grams(target) - grams(bar);
            // Every way by brute force, as counts per size (heaviest first).
            let mut ways: Vec<Vec<u32>> = vec![Vec::new()];
            for &(_, n) in &owned {
                ways = ways
                    .iter()
                    .flat_map(|w| (0..=n).map(move |k| [w.clone(), vec![k]].concat()))
                    .collect();
            }
            let side = |w: &[u32]| owned.iter().zip(w).map(|(&(g, _), &k)| g * i64::from(k)).sum::<i64>();
            let exact: Vec<&Vec<u32>> = ways.iter().filter(|w| 2 * side(w) == want).collect();
            let fewest = exact.iter().map(|w| w.iter().sum::<u32>()).min();
            if let (Some(fewest), Loading::Plates(plates)) = (fewest, load(target, &inv(bar, &sizes))) {
                let best = exact
                    .iter()
                    .filter(|w| w.iter().sum::<u32>() == fewest)
                    .max()
                    .unwrap();
                let got: Vec<u32> = owned
                    .iter()
                    .map(|&(g, _)| plates.iter().find(|&&(kg, _)| grams(kg) == g).map_or(0, |&(_, n)| n))
                    .collect();
                prop_assert_eq!(&got, *best);
            }
        }
    }
}
