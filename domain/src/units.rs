//! Kilograms and pounds, and the loads a lifter can actually make with their equipment.
//! Everything is stored in kilograms; prescriptions are rounded in the user's unit, so a
//! pound user is told 185 lb, not 83.9 kg converted.

use serde::{Deserialize, Serialize};

use crate::plates::Loading;

/// Pounds in a kilogram (exact by the international definition of the pound).
pub const LB_PER_KG: f64 = 1.0 / 0.453_592_37;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    #[default]
    Kg,
    Lb,
}

impl Unit {
    pub fn to_kg(self, value: f64) -> f64 {
        match self {
            Unit::Kg => value,
            Unit::Lb => value / LB_PER_KG,
        }
    }

    pub fn from_kg(self, kg: f64) -> f64 {
        match self {
            Unit::Kg => kg,
            Unit::Lb => kg * LB_PER_KG,
        }
    }

    /// The unit a form or a query names by its symbol (`kg`, `lb`); anything else is none.
    pub fn from_symbol(symbol: &str) -> Option<Unit> {
        [Unit::Kg, Unit::Lb]
            .into_iter()
            .find(|u| u.symbol() == symbol)
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Kg => "kg",
            Unit::Lb => "lb",
        }
    }

    /// `kg` in this unit for people: "102.5 kg", "225 lb".
    pub fn show(self, kg: f64) -> String {
        format!("{} {}", trim(self.from_kg(kg)), self.symbol())
    }

    /// A difference in this unit, signed: "+2.5 kg", "−5 lb".
    pub fn show_change(self, kg: f64) -> String {
        let v = self.from_kg(kg);
        let sign = if v < 0.0 { "−" } else { "+" };
        format!("{sign}{} {}", trim(v.abs()), self.symbol())
    }
}

/// A number with at most two decimals and no trailing zeros.
pub fn trim(v: f64) -> String {
    let s = format!("{:.2}", (v * 100.0).round() / 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// How an exercise is loaded, which decides the loads that can be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Equipment {
    Barbell,
    Dumbbell,
    Cable,
    Machine,
    Bodyweight,
    Kettlebell,
}

/// The user's equipment, in their unit: what can be put on a bar or pinned on a stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gym {
    pub unit: Unit,
    /// The barbell's own weight.
    pub bar: f64,
    /// The lightest plate; pairs of it are the smallest barbell step.
    pub smallest_plate: f64,
    /// Dumbbells and kettlebells come in steps of this.
    pub dumbbell_step: f64,
    /// Cable and machine stacks move in steps of this.
    pub machine_step: f64,
    /// The plates owned: (size, pairs). Empty: a commercial gym's, from the largest plate of
    /// the unit down to `smallest_plate` ([`Gym::inventory`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plates: Vec<(f64, u32)>,
}

impl Gym {
    /// A commercial gym in kilograms: 20 kg bar, 1.25 kg plates, 2 kg dumbbell steps, 5 kg stacks.
    pub fn metric() -> Self {
        Self {
            unit: Unit::Kg,
            bar: 20.0,
            smallest_plate: 1.25,
            dumbbell_step: 2.0,
            machine_step: 5.0,
            plates: Vec::new(),
        }
    }

    /// A commercial gym in pounds: 45 lb bar, 2.5 lb plates, 5 lb dumbbell steps, 10 lb stacks.
    pub fn imperial() -> Self {
        Self {
            unit: Unit::Lb,
            bar: 45.0,
            smallest_plate: 2.5,
            dumbbell_step: 5.0,
            machine_step: 10.0,
            plates: Vec::new(),
        }
    }

    pub fn for_unit(unit: Unit) -> Self {
        match unit {
            Unit::Kg => Self::metric(),
            Unit::Lb => Self::imperial(),
        }
    }

    /// The plates the bar is loaded from, in the user's unit: the ones set, or a commercial
    /// gym's (six pairs of the largest, two of each other size down to `smallest_plate`).
    pub fn plate_pairs(&self) -> Vec<(f64, u32)> {
        if !self.plates.is_empty() {
            return self.plates.clone();
        }
        let sizes: &[f64] = match self.unit {
            Unit::Kg => &[25.0, 20.0, 15.0, 10.0, 5.0, 2.5, 1.25, 0.5, 0.25],
            Unit::Lb => &[45.0, 35.0, 25.0, 10.0, 5.0, 2.5, 1.25],
        };
        let mut pairs: Vec<(f64, u32)> = sizes
            .iter()
            .filter(|&&s| s >= self.smallest_plate - 1e-9)
            .enumerate()
            .map(|(i, &s)| (s, if i == 0 { 6 } else { 2 }))
            .collect();
        if !pairs
            .iter()
            .any(|&(s, _)| (s - self.smallest_plate).abs() < 1e-9)
        {
            pairs.push((self.smallest_plate, 2));
        }
        pairs
    }

    /// The bar and plates in kilograms, for [`crate::plates::load`].
    pub fn inventory(&self) -> crate::plates::Inventory {
        crate::plates::Inventory {
            bar_kg: self.unit.to_kg(self.bar),
            pairs: self
                .plate_pairs()
                .into_iter()
                .map(|(size, n)| (self.unit.to_kg(size), n))
                .collect(),
        }
    }

    /// Every rule this gym breaks (steps must be positive and sensible).
    pub fn problems(&self) -> Vec<crate::Problem> {
        let mut out = Vec::new();
        if !self.plates.is_empty() {
            if let Some(m) = self.inventory().problem() {
                out.push(crate::Problem::new("plates", m));
            }
        }
        let max = self.unit.from_kg(100.0);
        for (field, v) in [
            ("bar", self.bar),
            ("smallest_plate", self.smallest_plate),
            ("dumbbell_step", self.dumbbell_step),
            ("machine_step", self.machine_step),
        ] {
            let floor = if field == "bar" { 0.0 } else { 0.1 };
            if !v.is_finite() || v < floor || v > max {
                out.push(crate::Problem::new(
                    field,
                    format!(
                        "must be between {floor} and {} {}",
                        trim(max),
                        self.unit.symbol()
                    ),
                ));
            }
        }
        out
    }

    /// The smallest load change this equipment allows, in kilograms.
    pub fn step_kg(&self, equipment: Equipment) -> f64 {
        let step = match equipment {
            Equipment::Barbell => 2.0 * self.smallest_plate,
            Equipment::Dumbbell | Equipment::Kettlebell => self.dumbbell_step,
            Equipment::Cable | Equipment::Machine => self.machine_step,
            Equipment::Bodyweight => 2.0 * self.smallest_plate,
        };
        self.unit.to_kg(step)
    }

    /// The lightest load that counts as loaded, in kilograms: the empty bar, one step
    /// otherwise; bodyweight exercises start at no added load.
    pub fn lightest_kg(&self, equipment: Equipment) -> f64 {
        match equipment {
            Equipment::Barbell => self.unit.to_kg(self.bar.max(2.0 * self.smallest_plate)),
            Equipment::Bodyweight => 0.0,
            _ => self.step_kg(equipment),
        }
    }

    /// The nearest load (in kilograms) that can be made, never below [`Gym::lightest_kg`].
    /// Rounds in the user's unit, so the answer is a whole number of their steps.
    pub fn round_kg(&self, equipment: Equipment, kg: f64) -> f64 {
        let unit = self.unit;
        let lightest = unit.from_kg(self.lightest_kg(equipment));
        let step = unit.from_kg(self.step_kg(equipment));
        let base = match equipment {
            Equipment::Barbell => lightest,
            _ => 0.0,
        };
        let wanted = unit.from_kg(kg.max(0.0));
        let made = base + ((wanted - base) / step).round() * step;
        unit.to_kg(made.max(lightest))
    }

    /// The heaviest makeable load at or below `kg` (never below the lightest).
    pub fn round_down_kg(&self, equipment: Equipment, kg: f64) -> f64 {
        let nearest = self.round_kg(equipment, kg);
        if nearest <= kg + 1e-9 {
            nearest
        } else {
            let lower = nearest - self.step_kg(equipment);
            lower.max(self.lightest_kg(equipment))
        }
    }
}

impl Unit {
    /// A barbell load's plates for people, in this unit: "20 + 10 + 2.5 a side", "the bar
    /// alone", or "not with your plates: 97.5 or 102.5 kg".
    pub fn show_plates(self, loading: &Loading) -> String {
        let unit = self;
        let show = |kg: f64| trim(unit.from_kg(kg));
        match loading {
            Loading::Plates(plates) if plates.is_empty() => "the bar alone".to_owned(),
            Loading::Plates(plates) => {
                let each: Vec<String> = plates
                    .iter()
                    .flat_map(|&(kg, n)| std::iter::repeat_n(show(kg), n as usize))
                    .collect();
                format!("{} a side", each.join(" + "))
            }
            Loading::Unreachable { below, above } => {
                let near: Vec<String> = [below, above]
                    .into_iter()
                    .flatten()
                    .map(|&kg| show(kg))
                    .collect();
                match near.as_slice() {
                    [] => "not with your plates".to_owned(),
                    nearest => format!(
                        "not with your plates: {} {}",
                        nearest.join(" or "),
                        unit.symbol()
                    ),
                }
            }
        }
    }
}

/// Plates as typed in the settings: sizes with their pairs, `25×6, 20×2, 1.25×2` (`x` or `*`
/// for `×`, `;` or new lines between sizes too, decimal commas accepted when sizes are split by
/// `;`). Every mistake is reported, each once.
pub fn parse_plates(text: &str) -> Result<Vec<(f64, u32)>, String> {
    let separator = if text.contains(';') || text.contains('\n') {
        |c: char| c == ';' || c == '\n'
    } else {
        |c: char| c == ','
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for part in text
        .split(separator)
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((size, pairs)) = part.split_once(['×', 'x', 'X', '*']) else {
            problems.push(format!("\"{part}\" is not a size × pairs, such as 20×2"));
            continue;
        };
        let size = size.trim().replace(',', ".").parse::<f64>();
        let pairs = pairs.trim().parse::<u32>();
        match (size, pairs) {
            (Ok(size), Ok(pairs)) if size.is_finite() && size > 0.0 => out.push((size, pairs)),
            _ => problems.push(format!("\"{part}\" is not a size × pairs, such as 20×2")),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.join("; "))
    }
}

/// The plates as the settings show them: `25×6, 20×2, 1.25×2`.
pub fn format_plates(pairs: &[(f64, u32)]) -> String {
    pairs
        .iter()
        .map(|&(size, n)| format!("{}×{n}", trim(size)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plates::load;

    #[test]
    fn trim_keeps_two_decimals_at_most_and_no_trailing_zeros() {
        for (v, shown) in [
            (100.0, "100"),
            (102.5, "102.5"),
            (61.235, "61.24"),
            (0.05, "0.05"),
            (0.1 + 0.2, "0.3"),
            (-2.5, "-2.5"),
            (0.0, "0"),
        ] {
            assert_eq!(trim(v), shown, "{v}");
        }
    }

    #[test]
    fn rounding_uses_the_users_plates() {
        let kg = Gym::metric();
        assert_eq!(kg.round_kg(Equipment::Barbell, 101.1), 100.0);
        assert_eq!(kg.round_kg(Equipment::Barbell, 101.3), 102.5);
        assert_eq!(kg.round_kg(Equipment::Barbell, 3.0), 20.0);
        assert_eq!(kg.round_kg(Equipment::Dumbbell, 23.1), 24.0);
        assert_eq!(kg.round_kg(Equipment::Machine, 47.0), 45.0);
        assert_eq!(kg.round_kg(Equipment::Bodyweight, 0.0), 0.0);
        let lb = Gym::imperial();
        let made = lb.round_kg(Equipment::Barbell, 84.0);
        assert!((Unit::Lb.from_kg(made) - 185.0).abs() < 1e-9, "{made}");
        assert_eq!(Unit::Lb.show(made), "185 lb");
    }

    #[test]
    fn rounding_down_never_goes_over() {
        let kg = Gym::metric();
        assert_eq!(kg.round_down_kg(Equipment::Barbell, 101.3), 100.0);
        assert_eq!(kg.round_down_kg(Equipment::Barbell, 102.5), 102.5);
        assert_eq!(kg.round_down_kg(Equipment::Barbell, 10.0), 20.0);
    }

    #[test]
    fn changes_are_shown_signed() {
        assert_eq!(Unit::Kg.show_change(2.5), "+2.5 kg");
        assert_eq!(Unit::Kg.show_change(-10.0), "−10 kg");
        assert_eq!(Unit::Kg.show(102.50), "102.5 kg");
    }
    #[test]
    fn loads_read_as_sentences_in_the_users_unit() {
        let inv = crate::plates::Inventory::standard_kg();
        assert_eq!(Unit::Kg.show_plates(&load(20.0, &inv)), "the bar alone");
        assert_eq!(Unit::Kg.show_plates(&load(72.5, &inv)), "25 + 1.25 a side");
        assert_eq!(Unit::Kg.show_plates(&load(110.0, &inv)), "25 + 20 a side");
        // As few plates either way; a lifter reaches for the heaviest.
        assert_eq!(Unit::Kg.show_plates(&load(100.0, &inv)), "25 + 15 a side");
        assert_eq!(
            Unit::Kg.show_plates(&load(105.0, &inv)),
            "25 + 15 + 2.5 a side"
        );
        assert_eq!(
            Unit::Kg.show_plates(&load(21.0, &inv)),
            "not with your plates: 20 or 22.5 kg"
        );
        assert_eq!(
            Unit::Kg.show_plates(&load(10.0, &inv)),
            "not with your plates: 20 kg"
        );
    }

    #[test]
    fn plates_are_typed_as_sizes_and_pairs() {
        assert_eq!(
            parse_plates("25×6, 20x2,1.25 * 2"),
            Ok(vec![(25.0, 6), (20.0, 2), (1.25, 2)])
        );
        assert_eq!(parse_plates("2,5×2; 1,25×4"), Ok(vec![(2.5, 2), (1.25, 4)]));
        assert_eq!(parse_plates("  "), Ok(vec![]));
        let err = parse_plates("25, 20×two, -5×2").unwrap_err();
        assert!(
            err.contains("\"25\"") && err.contains("\"20×two\"") && err.contains("\"-5×2\""),
            "{err}"
        );
        assert_eq!(format_plates(&[(25.0, 6), (1.25, 2)]), "25×6, 1.25×2");
        assert_eq!(
            parse_plates(&format_plates(&[(25.0, 6), (1.25, 2)])),
            Ok(vec![(25.0, 6), (1.25, 2)])
        );
    }
}
