//! Reading history from other apps' CSV exports (Strong, Hevy) and from Ironlog's own CSV
//! export. Pure: the server decides what is already stored and publishes the rest.
//!
//! Every session gets an id derived from the user and the session's content
//! ([`content_id`]), so importing the same file twice yields the same ids, and a session
//! already in the history (however it got there) is recognised by the same function.
//!
//! Rows are judged one by one: a bad row is rejected with its line number and the reason, and
//! the rest of the file still imports. Warm-up sets are skipped (the engine prescribes its own)
//! and so are sets without repetitions (cardio, timed holds).

mod formats;
pub mod names;

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::{Catalog, ExerciseInfo};
use crate::units::Unit;
use crate::{rules, ExerciseLog, NewWorkout, SetLog};
pub use formats::Source;
use formats::{Columns, RowOutcome};

/// The namespace of content-derived workout ids (a v4 UUID chosen once; never change it, or
/// re-imports stop being recognised).
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a0e_93d4_4b7e_8a55_1c2e_7d9b_0f31);

/// How to read what the file leaves unsaid.
#[derive(Debug, Clone)]
pub struct Options {
    pub user_id: String,
    /// The unit of weights in files that do not name one (Strong's older exports).
    pub unit: Unit,
    /// The offset of the local times in Strong and Hevy files, which carry no zone.
    pub utc_offset: FixedOffset,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// 1-based line in the file.
    pub line: u64,
    pub reason: String,
}

/// What a file holds, ready to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub source: Source,
    /// Data rows read (the header not counted).
    pub rows: usize,
    /// Sessions, oldest first, each with its content-derived id.
    pub workouts: Vec<NewWorkout>,
    /// For each session (in the order of `workouts`), the id the file gives it, if any (an
    /// Ironlog export's `workout_id`): a session edited since it was exported has another
    /// content id but still this one, so importing the old export finds it a duplicate.
    pub file_ids: Vec<Option<Uuid>>,
    pub rejected: Vec<Rejection>,
    pub warmup_sets: usize,
    /// Sets without repetitions: cardio and timed holds.
    pub non_strength_sets: usize,
    /// The user's own exercises made for names the catalog does not know.
    pub new_exercises: Vec<ExerciseInfo>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not a Strong, Hevy or Ironlog CSV export: its first line should be a header such as \"Date,Workout Name,Exercise Name,Set Order,Weight,Reps\" (Strong) or \"title,start_time,exercise_title,set_type,weight_kg,reps\" (Hevy)")]
    UnknownFormat,
    #[error("the {format} header lacks the column(s) {missing}")]
    MissingColumns { format: Source, missing: String },
    #[error("line {line}: {message}")]
    Unreadable { line: u64, message: String },
}

/// At most this many rejections are listed in a summary; the total is always given.
pub const MAX_LISTED_REJECTIONS: usize = 200;

/// What an import did, as the API answers it and the Import page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub format: Source,
    /// Data rows in the file.
    pub rows: usize,
    /// Sessions found in the file.
    pub sessions: usize,
    /// Sessions sent to be stored.
    pub imported: usize,
    /// Sessions already in the history, left alone.
    pub duplicates: usize,
    /// Sessions the user deleted before: they stay deleted, so they are not sent.
    #[serde(default)]
    pub deleted: usize,
    /// Sessions not sent because the write queue failed; importing the file again sends them.
    pub failed: usize,
    pub warmup_sets: usize,
    pub non_strength_sets: usize,
    /// The first [`MAX_LISTED_REJECTIONS`] rejected rows, by line.
    pub rejected: Vec<Rejection>,
    pub rejected_total: usize,
    /// Names of the exercises added to the user's own for this import.
    pub new_exercises: Vec<String>,
}

impl Summary {
    /// One sentence for people.
    pub fn message(&self) -> String {
        let mut text = format!(
            "{} of {} sessions imported, {} already there",
            self.imported, self.sessions, self.duplicates
        );
        if self.deleted > 0 {
            text.push_str(&format!(
                ", {} you deleted before (left deleted)",
                self.deleted
            ));
        }
        if self.rejected_total > 0 {
            text.push_str(&format!(", {} rows rejected", self.rejected_total));
        }
        if self.failed > 0 {
            text.push_str(&format!(
                "; {} not sent because the server could not queue them: import the same file again to send them",
                self.failed
            ));
        }
        text.push('.');
        text
    }

    /// The facts beside the sentence: rows read, what was skipped, the new exercises.
    pub fn facts(&self) -> Vec<String> {
        let mut facts = vec![format!("{} rows read ({} file)", self.rows, self.format)];
        if self.warmup_sets > 0 {
            facts.push(format!(
                "{} warm-up sets kept as warm-ups (they count toward no record or volume)",
                self.warmup_sets
            ));
        }
        if self.non_strength_sets > 0 {
            facts.push(format!(
                "{} cardio or timed sets skipped",
                self.non_strength_sets
            ));
        }
        if !self.new_exercises.is_empty() {
            facts.push(format!(
                "New exercises of yours: {}",
                self.new_exercises.join(", ")
            ));
        }
        facts
    }

    /// The rejected rows listed, each as "Line 7: reason", and "…and N more" past them.
    pub fn rejection_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .rejected
            .iter()
            .map(|r| format!("Line {}: {}", r.line, r.reason))
            .collect();
        let more = self.rejected_total.saturating_sub(self.rejected.len());
        if more > 0 {
            lines.push(format!("…and {more} more"));
        }
        lines
    }
}

/// One line of the streamed answer (`Accept: application/x-ndjson`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// Sessions handled so far (sent or found already there) of those in the file.
    Progress {
        done: usize,
        total: usize,
    },
    Summary(Summary),
}

/// The id of a session with this content for this user: the same everywhere, every time.
pub fn content_id(user_id: &str, performed_at: DateTime<Utc>, exercises: &[ExerciseLog]) -> Uuid {
    let mut canonical = format!("{user_id}\n{}\n", performed_at.timestamp_millis());
    // Over the sets of work only, without their kinds, notes or supersets: an export
    // imported before warm-ups and notes were kept has the same id as it has now.
    for e in exercises {
        if !e.sets.iter().any(|s| s.kind.counts()) {
            continue;
        }
        canonical.push_str(&e.exercise);
        canonical.push(':');
        for s in e.sets.iter().filter(|s| s.kind.counts()) {
            // Debug of f64 is the shortest text that reads back to the same number.
            canonical.push_str(&format!("{:?}x{}@{:?};", s.weight_kg, s.reps, s.rpe));
        }
        canonical.push('\n');
    }
    Uuid::new_v5(&ID_NAMESPACE, canonical.as_bytes())
}

/// Reads a whole export. `source` None detects the format from the header.
pub fn parse(
    text: &str,
    source: Option<Source>,
    catalog: &Catalog,
    options: &Options,
) -> Result<Import, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or(ImportError::Empty)?;
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| unreadable(&e, 1))?.clone();
    let columns = Columns::new(&header);
    let source = match source {
        Some(s) => s,
        None => Source::detect(&columns).ok_or(ImportError::UnknownFormat)?,
    };
    let missing = source.missing_columns(&columns);
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            format: source,
            missing: missing.join(", "),
        });
    }

    let mut out = Import {
        source,
        rows: 0,
        workouts: Vec::new(),
        file_ids: Vec::new(),
        rejected: Vec::new(),
        warmup_sets: 0,
        non_strength_sets: 0,
        new_exercises: Vec::new(),
    };
    let mut resolver = names::Resolver::new(catalog);
    let mut sessions: Vec<Session> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // A broken quote swallows the rest of the file; anything else is one row.
                if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    out.rows += 1;
                    out.rejected.push(Rejection {
                        line,
                        reason: "is not valid UTF-8".into(),
                    });
                    continue;
                }
                return Err(unreadable(&e, line));
            }
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        out.rows += 1;
        let row = match source.read_row(&columns, &record, options) {
            RowOutcome::Set(row) => {
                if row.set.kind == crate::SetKind::Warmup {
                    out.warmup_sets += 1;
                }
                row
            }
            RowOutcome::NotStrength => {
                out.non_strength_sets += 1;
                continue;
            }
            RowOutcome::Reject(reason) => {
                out.rejected.push(Rejection { line, reason });
                continue;
            }
        };
        let resolved = match &row.slug {
            Some(slug) => resolver.slug_or_create(slug, &row.exercise),
            None => resolver.slug(&row.exercise),
        };
        let slug = match resolved {
            Ok(slug) => slug,
            Err(reason) => {
                out.rejected.push(Rejection { line, reason });
                continue;
            }
        };
        let at = *by_key.entry(row.session.clone()).or_insert_with(|| {
            sessions.push(Session {
                label: row.label.clone(),
                performed_at: row.performed_at,
                first_line: line,
                rows: 0,
                exercises: Vec::new(),
                notes: None,
                groups: Vec::new(),
                file_id: row.file_id,
            });
            sessions.len() - 1
        });
        sessions[at].add(slug, *row);
    }

    for session in sessions {
        match session.check(options.now) {
            Ok(()) => {
                out.file_ids.push(session.file_id);
                out.workouts.push(NewWorkout {
                    id: content_id(&options.user_id, session.performed_at, &session.exercises),
                    performed_at: session.performed_at,
                    notes: session.notes,
                    exercises: session.exercises,
                    ..NewWorkout::default()
                })
            }
            Err(reason) => out.rejected.push(Rejection {
                line: session.first_line,
                reason,
            }),
        }
    }
    // Sorted with their file ids, which must stay beside their sessions.
    let mut paired: Vec<(NewWorkout, Option<Uuid>)> = std::mem::take(&mut out.workouts)
        .into_iter()
        .zip(std::mem::take(&mut out.file_ids))
        .collect();
    paired.sort_by_key(|(w, _)| (w.performed_at, w.id));
    (out.workouts, out.file_ids) = paired.into_iter().unzip();
    out.rejected.sort_by_key(|r| r.line);
    out.new_exercises = resolver.created;
    // Keep only the exercises some imported session uses.
    out.new_exercises.retain(|e| {
        out.workouts
            .iter()
            .any(|w| w.exercises.iter().any(|x| x.exercise == e.slug))
    });
    Ok(out)
}

fn unreadable(e: &csv::Error, line: u64) -> ImportError {
    let line = e.position().map_or(line, csv::Position::line);
    ImportError::Unreadable {
        line,
        message: format!("the CSV cannot be read past here ({e})"),
    }
}

/// One set read from a row, with the session it belongs to.
pub(crate) struct Row {
    /// Rows with the same key are one session.
    pub session: String,
    /// How the session is named in messages.
    pub label: String,
    pub performed_at: DateTime<Utc>,
    pub exercise: String,
    /// The slug the file gives, if any (Ironlog's own export).
    pub slug: Option<String>,
    pub set: SetLog,
    /// The file's name for the superset the exercise was in.
    pub superset: Option<String>,
    pub exercise_notes: Option<String>,
    pub workout_notes: Option<String>,
    /// The id the file gives the row's workout, if it is one (Ironlog's `workout_id`).
    pub file_id: Option<Uuid>,
}

struct Session {
    label: String,
    performed_at: DateTime<Utc>,
    first_line: u64,
    rows: usize,
    exercises: Vec<ExerciseLog>,
    notes: Option<String>,
    /// The file's superset names and the groups they became.
    groups: Vec<(String, u8)>,
    file_id: Option<Uuid>,
}

impl Session {
    /// Consecutive rows of one exercise (in one superset) are one entry; an exercise done
    /// again later (a superset, a second round) is a new entry, as it happened. The first
    /// note of an exercise entry and of the workout is kept (exports repeat them per row).
    fn add(&mut self, slug: String, row: Row) {
        self.rows += 1;
        let group = row.superset.as_deref().and_then(|name| self.group(name));
        if self.notes.is_none() {
            self.notes = row.workout_notes;
        }
        match self.exercises.last_mut() {
            Some(last) if last.exercise == slug && last.group == group => {
                last.sets.push(row.set);
                if last.notes.is_none() {
                    last.notes = row.exercise_notes;
                }
            }
            _ => self.exercises.push(ExerciseLog {
                exercise: slug,
                sets: vec![row.set],
                notes: row.exercise_notes,
                group,
            }),
        }
    }

    /// The group of the file's superset `name`: its own number when it is one a group can be
    /// and no other superset has it, else the next free one; none past the last.
    fn group(&mut self, name: &str) -> Option<u8> {
        if let Some((_, g)) = self.groups.iter().find(|(n, _)| n == name) {
            return Some(*g);
        }
        let taken = |g: u8, groups: &[(String, u8)]| groups.iter().any(|(_, t)| *t == g);
        let own = name
            .parse::<u8>()
            .ok()
            .filter(|g| rules::check_group(*g).is_none() && !taken(*g, &self.groups));
        let group = own.or_else(|| (1..=rules::MAX_GROUP).find(|g| !taken(*g, &self.groups)))?;
        self.groups.push((name.to_owned(), group));
        Some(group)
    }

    fn check(&self, now: DateTime<Utc>) -> Result<(), String> {
        let whole = format!("the session \"{}\" ({} rows)", self.label, self.rows);
        if let Some(m) = rules::check_performed_at(self.performed_at, now) {
            return Err(format!("{whole}: its date {m}"));
        }
        let notes = self
            .notes
            .iter()
            .chain(self.exercises.iter().filter_map(|e| e.notes.as_ref()));
        for note in notes {
            if let Some(m) = rules::check_note(note) {
                return Err(format!("{whole}: a note {m}"));
            }
        }
        if self.exercises.len() > rules::MAX_EXERCISES {
            return Err(format!(
                "{whole} has {} exercise entries; at most {} are allowed",
                self.exercises.len(),
                rules::MAX_EXERCISES
            ));
        }
        if let Some(e) = self
            .exercises
            .iter()
            .find(|e| e.sets.len() > rules::MAX_SETS)
        {
            return Err(format!(
                "{whole} has {} sets of {} in a row; at most {} are allowed",
                e.sets.len(),
                e.exercise,
                rules::MAX_SETS
            ));
        }
        Ok(())
    }
}
