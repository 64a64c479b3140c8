//! The limits of a valid workout, shared by the JSON decoder (client input) and by
//! [`crate::WorkoutLogged::problems`] (events read back from the queue), so both agree.

use chrono::{DateTime, Duration, TimeZone, Utc};

pub const MAX_EXERCISES: usize = 50;
pub const MAX_SETS: usize = 100;
pub const MAX_WEIGHT_KG: f64 = 1000.0;
pub const MIN_REPS: u64 = 1;
pub const MAX_REPS: u64 = 100;
pub const MIN_RPE: f64 = 1.0;
pub const MAX_RPE: f64 = 10.0;
pub const MAX_SLUG_LEN: usize = 64;
pub const MAX_USER_ID_LEN: usize = 128;
/// A note on a workout or an exercise, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;
/// A name a person gives: a program, a program's day, an exercise of their own, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Superset groups are numbered 1 to this (shown as letters A to Z).
pub const MAX_GROUP: u8 = 26;
/// Clocks on phones drift and time zones confuse; a day of slack, no more.
pub const MAX_FUTURE: Duration = Duration::hours(24);

pub fn earliest_performed_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn check_weight(kg: f64) -> Option<String> {
    if !kg.is_finite() || !(0.0..=MAX_WEIGHT_KG).contains(&kg) {
        Some(format!("must be between 0 and {MAX_WEIGHT_KG} kg"))
    } else {
        None
    }
}

pub fn check_reps(reps: u64) -> Option<String> {
    if !(MIN_REPS..=MAX_REPS).contains(&reps) {
        Some(format!("must be between {MIN_REPS} and {MAX_REPS}"))
    } else {
        None
    }
}

pub fn check_rpe(rpe: f64) -> Option<String> {
    if !rpe.is_finite() || !(MIN_RPE..=MAX_RPE).contains(&rpe) || (rpe * 2.0).fract() != 0.0 {
        Some(format!(
            "must be between {MIN_RPE} and {MAX_RPE} in steps of 0.5"
        ))
    } else {
        None
    }
}

/// Exercise slugs are lowercase words joined by single hyphens: `bench-press`, `squat`.
pub fn check_slug(slug: &str) -> Option<String> {
    let well_formed = !slug.is_empty()
        && slug.len() <= MAX_SLUG_LEN
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if well_formed {
        None
    } else {
        Some(format!(
            "must be a slug of at most {MAX_SLUG_LEN} characters: lowercase letters and digits joined by single hyphens"
        ))
    }
}

pub fn check_performed_at(at: DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    if at < earliest_performed_at() {
        Some("must not be before 2000-01-01".into())
    } else if at > now + MAX_FUTURE {
        Some("must not be more than 24 hours in the future".into())
    } else {
        None
    }
}

pub fn check_count(len: usize, max: usize, what: &str) -> Option<String> {
    if len == 0 {
        Some(format!("must contain at least one {what}"))
    } else if len > max {
        Some(format!("must contain at most {max} {what}s"))
    } else {
        None
    }
}

pub fn check_user_id(user_id: &str) -> Option<String> {
    if user_id.is_empty() || user_id.len() > MAX_USER_ID_LEN {
        Some(format!("must be 1 to {MAX_USER_ID_LEN} characters"))
    } else {
        None
    }
}

/// Notes are text a person typed: up to [`MAX_NOTE_CHARS`], with line breaks and tabs but no
/// other control characters, and never blank (a blank note is no note).
pub fn check_note(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        Some("must not be blank (leave it out instead)".into())
    } else if text.chars().count() > MAX_NOTE_CHARS {
        Some(format!("must be at most {MAX_NOTE_CHARS} characters"))
    } else {
        check_text(text)
    }
}

/// Names are one line a person typed: 1 to [`MAX_NAME_CHARS`] characters, something besides
/// spaces, and no control characters at all (a name is shown in lists, titles and file names,
/// where a line break or an escape would break them), as passwords already are.
pub fn check_name(name: &str) -> Option<String> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
        Some(format!("must be 1 to {MAX_NAME_CHARS} characters"))
    } else if name.chars().any(char::is_control) {
        Some("must not contain control characters such as line breaks or tabs".into())
    } else {
        None
    }
}

/// Longer text a person typed, such as a program's description or a note: line breaks (a
/// browser sends a textarea's as CR LF) and tabs, but no other control characters.
pub fn check_text(text: &str) -> Option<String> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Some("must not contain control characters other than line breaks and tabs".into())
    } else {
        None
    }
}

pub fn check_group(group: u8) -> Option<String> {
    if (1..=MAX_GROUP).contains(&group) {
        None
    } else {
        Some(format!("must be between 1 and {MAX_GROUP}"))
    }
}

/// A revision is at least 1 and, like the time it usually is, not more than a day ahead of
/// `now` in milliseconds: a revision far in the future would make every later edit lose.
pub fn check_revision(revision: u64, now: DateTime<Utc>) -> Option<String> {
    let latest = u64::try_from((now + MAX_FUTURE).timestamp_millis()).unwrap_or(0);
    if revision == 0 {
        Some("must be at least 1".into())
    } else if revision > latest {
        Some(format!(
            "must not be more than 24 hours ahead of now in milliseconds since 1970 (at most {latest})"
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_line_without_control_characters() {
        assert_eq!(check_name("My GZCLP"), None);
        assert_eq!(check_name(&"x".repeat(MAX_NAME_CHARS)), None);
        for bad in ["a\0b", "a\rb", "a\nb", "a\u{1b}[31mb", "tab\there"] {
            assert!(
                check_name(bad).is_some_and(|m| m.contains("control characters")),
                "{bad:?}"
            );
        }
        assert!(check_name("   ").is_some());
        assert!(check_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_some());
        assert_eq!(check_text("two\nlines\tand a tab"), None);
        assert_eq!(check_text("a textarea's\r\nlines"), None);
        assert!(check_text("bell\u{7}").is_some());
    }
}
