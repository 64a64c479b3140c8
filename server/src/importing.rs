//! An import, from the file to a job, shared by `POST /api/v1/import` and the plain form:
//! the query, the caps, and the sessions not stored yet (`import_jobs` sends them).
//!
//! Imported sessions travel the same write pipeline as logged ones, with ids derived from
//! their content, so a second import of the same file sends nothing new and a re-sent session
//! overwrites itself with the same content.

use std::collections::HashSet;

use chrono::{FixedOffset, Offset, Utc};
use domain::import::{self, Source, Summary, MAX_LISTED_REJECTIONS};
use domain::units::Unit;
use domain::{NewWorkout, Problem};
use uuid::Uuid;

use crate::error::ApiError;
pub use crate::import_jobs::{ImportCaps, Prepared};
use crate::state::AppState;
use crate::training::{history_of, profile_of, save_profile};

/// An export of several years fits easily: 20,000 sets are about 2 MB.
pub const MAX_IMPORT_BODY: usize = 16 * 1024 * 1024;

#[derive(Debug)]
pub struct ImportQuery {
    format: Option<Source>,
    unit: Option<Unit>,
    utc_offset: FixedOffset,
}

/// `format` (strong, hevy, ironlog or auto), `unit` (kg or lb: the weights of files that do
/// not say), `utc_offset` (+02:00: the zone of files with local times).
pub fn parse_import_query(raw: Option<&str>) -> Result<ImportQuery, Vec<Problem>> {
    let mut q = ImportQuery {
        format: None,
        unit: None,
        utc_offset: FixedOffset::east_opt(0).unwrap_or_else(|| Utc.fix()),
    };
    let mut problems = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "format" if value == "auto" => q.format = None,
            "format" => match value.parse() {
                Ok(f) => q.format = Some(f),
                Err(e) => problems.push(Problem::new("format", e)),
            },
            "unit" => match value.as_ref() {
                "kg" => q.unit = Some(Unit::Kg),
                "lb" | "lbs" => q.unit = Some(Unit::Lb),
                _ => problems.push(Problem::new("unit", "must be kg or lb")),
            },
            "utc_offset" => match parse_offset(&value) {
                Some(o) => q.utc_offset = o,
                None => problems.push(Problem::new(
                    "utc_offset",
                    "must be an offset from UTC such as +02:00, -05:30 or Z",
                )),
            },
            other => problems.push(Problem::new(other, "unknown query parameter")),
        }
    }
    if problems.is_empty() {
        Ok(q)
    } else {
        Err(problems)
    }
}

fn parse_offset(text: &str) -> Option<FixedOffset> {
    if text == "Z" || text == "z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' | b' ' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    // Exactly `HH:MM`, as the API description's pattern says.
    let (h, m) = rest.split_once(':')?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 || (h == 14 && m > 0) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Reads an export file for `user`: parses it, finds the sessions already stored, and saves
/// the new exercises they name (before their sessions are sent, so the history never names
/// an exercise the profile lacks). Shared by the API and the plain form.
pub async fn prepare(
    state: &AppState,
    user: &str,
    bytes: Vec<u8>,
    query: ImportQuery,
) -> Result<Prepared, ApiError> {
    let text = String::from_utf8(bytes).map_err(|_| {
        ApiError::InvalidInput(vec![Problem::new(
            "file",
            "is not UTF-8 text: export it again from the app, unchanged",
        )])
    })?;

    let mut profile = profile_of(state, user).await?;
    let options = import::Options {
        user_id: user.to_owned(),
        unit: query.unit.unwrap_or(profile.gym.unit),
        utc_offset: query.utc_offset,
        now: Utc::now(),
    };
    let catalog = profile.catalog();
    let format = query.format;
    let parsed =
        tokio::task::spawn_blocking(move || import::parse(&text, format, &catalog, &options))
            .await
            .map_err(|_| ApiError::Unavailable("the import failed"))?
            .map_err(|e| ApiError::InvalidInput(vec![Problem::new("file", e.to_string())]))?;

    let known = known_ids(state, user).await?;
    let import::Import {
        source,
        rows,
        workouts,
        file_ids,
        rejected,
        warmup_sets,
        non_strength_sets,
        new_exercises,
    } = parsed;
    let sessions = workouts.len();
    // A session the file names by a stored id is a duplicate even if edited since. One the
    // user deleted stays deleted (its tombstone would drop it): said, not sent.
    let (fresh, duplicates): (Vec<_>, Vec<_>) =
        workouts
            .into_iter()
            .zip(file_ids)
            .partition(|(w, file_id)| {
                !known.ids.contains(&w.id) && !file_id.is_some_and(|id| known.ids.contains(&id))
            });
    let (deleted, fresh): (Vec<_>, Vec<_>) = fresh.into_iter().partition(|(w, file_id)| {
        known.deleted.contains(&w.id) || file_id.is_some_and(|id| known.deleted.contains(&id))
    });
    let fresh: Vec<NewWorkout> = fresh.into_iter().map(|(w, _)| w).collect();
    let (duplicates, deleted) = (duplicates.len(), deleted.len());
    check_caps(&state.import_caps, fresh.len(), known.sessions)?;
    // Every new session is a write, charged as such (not one charge for the whole file).
    state.limits.import_sessions(user, fresh.len())?;
    // The user's new exercises are saved before their sessions are sent, so the history never
    // names an exercise the profile lacks.
    let used: Vec<_> = new_exercises
        .into_iter()
        .filter(|e| {
            fresh
                .iter()
                .any(|w| w.exercises.iter().any(|x| x.exercise == e.slug))
        })
        .collect();
    if !used.is_empty() {
        profile.exercises.extend(used.iter().cloned());
        save_profile(state, user, &profile).await?;
    }

    let summary = Summary {
        format: source,
        rows,
        sessions,
        imported: 0,
        duplicates,
        deleted,
        failed: 0,
        warmup_sets,
        non_strength_sets,
        rejected_total: rejected.len(),
        rejected: rejected.into_iter().take(MAX_LISTED_REJECTIONS).collect(),
        new_exercises: used.into_iter().map(|e| e.name).collect(),
    };
    tracing::info!(user = %user, format = %summary.format, sessions = summary.sessions, fresh = fresh.len(), "import");
    Ok(Prepared { fresh, summary })
}

/// The user's stored sessions, as the import sees them.
struct Known {
    /// Each stored session's id and its content-derived id, so a session logged by hand and
    /// then imported from another app counts as a duplicate too.
    ids: HashSet<Uuid>,
    /// The ids of sessions the user deleted.
    deleted: HashSet<Uuid>,
    sessions: usize,
}

async fn known_ids(state: &AppState, user: &str) -> Result<Known, ApiError> {
    let history = history_of(state, user).await?;
    let deleted = state
        .training
        .workouts()
        .deleted_ids(user)
        .await
        .map_err(ApiError::store("the history is unavailable"))?;
    Ok(Known {
        deleted,
        sessions: history.len(),
        ids: history
            .iter()
            .flat_map(|w| [w.id, import::content_id(user, w.performed_at, &w.exercises)])
            .collect(),
    })
}

/// Refuses, whole and before anything is stored, an import over either cap.
fn check_caps(caps: &ImportCaps, fresh: usize, stored: usize) -> Result<(), ApiError> {
    let refuse = |message: String| Err(ApiError::InvalidInput(vec![Problem::new("file", message)]));
    if fresh > caps.per_import {
        return refuse(format!(
            "holds {fresh} new sessions; one import takes at most {}: export a shorter period, or split the file, and import each part",
            caps.per_import
        ));
    }
    if stored + fresh > caps.per_account {
        return refuse(format!(
            "would bring your history to {} sessions; an account holds at most {}",
            stored + fresh,
            caps.per_account
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_over_a_cap_is_refused_whole_with_the_cap_named() {
        let caps = ImportCaps {
            per_import: 100,
            per_account: 150,
        };
        assert!(check_caps(&caps, 100, 50).is_ok());
        let message = |r: Result<(), ApiError>| match r {
            Err(ApiError::InvalidInput(p)) => p[0].message.clone(),
            other => panic!("{other:?}"),
        };
        assert!(message(check_caps(&caps, 101, 0)).contains("at most 100"));
        assert!(message(check_caps(&caps, 60, 100)).contains("at most 150"));
    }

    #[test]
    fn import_query_defaults_and_reports_every_problem() {
        let q = parse_import_query(None).unwrap();
        assert_eq!(
            (q.format, q.unit, q.utc_offset.local_minus_utc()),
            (None, None, 0)
        );
        let q = parse_import_query(Some("format=hevy&unit=lb&utc_offset=%2B05:30")).unwrap();
        assert_eq!(q.format, Some(Source::Hevy));
        assert_eq!(q.unit, Some(Unit::Lb));
        assert_eq!(q.utc_offset.local_minus_utc(), 5 * 3600 + 1800);
        assert_eq!(
            parse_offset("-08:00").map(|o| o.local_minus_utc()),
            Some(-8 * 3600)
        );
        let problems = parse_import_query(Some("format=csv&unit=st&utc_offset=2&x=1")).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["format", "unit", "utc_offset", "x"]);
        for bad in [
            "+15:00", "+1:60", "0200", "", "+a:00", "+2:00", "+14:30", "+002:00",
        ] {
            assert!(parse_offset(bad).is_none(), "{bad}");
        }
    }
}
