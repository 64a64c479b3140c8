//! Display helpers shared by server rendering and hydration, which must produce the same text.

use chrono::{DateTime, Utc};

/// "Mon 23 Nov 2026 · 18:30 UTC". Rendered in UTC on both sides so hydration matches.
pub fn when(at: &DateTime<Utc>) -> String {
    at.format("%a %-d %b %Y · %H:%M UTC").to_string()
}

/// 102.5 → "102.5", 100.0 → "100" (weights, RPE, set counts): the domain's rounding, so
/// pages and reasons agree.
pub fn number(value: f64) -> String {
    domain::units::trim(value)
}

pub fn thousands(n: f64) -> String {
    let whole = n.round() as i64;
    let digits = whole.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if whole < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_weights_and_thousands() {
        assert_eq!(number(100.0), "100");
        assert_eq!(number(102.5), "102.5");
        assert_eq!(number(2.25), "2.25");
        assert_eq!(thousands(12345.4), "12\u{202f}345");
        assert_eq!(thousands(999.0), "999");
    }
}
