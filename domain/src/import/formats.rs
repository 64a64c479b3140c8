//! The columns of each accepted export and how one row of each becomes a set.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::{Options, Row};
use crate::units::Unit;
use crate::{rules, SetKind, SetLog};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Strong,
    Hevy,
    Ironlog,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Strong => "Strong",
            Source::Hevy => "Hevy",
            Source::Ironlog => "Ironlog",
        })
    }
}

impl std::str::FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "strong" => Ok(Source::Strong),
            "hevy" => Ok(Source::Hevy),
            "ironlog" => Ok(Source::Ironlog),
            _ => Err("must be strong, hevy, ironlog or auto".into()),
        }
    }
}

/// Header names, compared lowercased and trimmed.
pub(crate) struct Columns(HashMap<String, usize>);

impl Columns {
    pub fn new(header: &csv::StringRecord) -> Self {
        Self(
            header
                .iter()
                .enumerate()
                .map(|(i, h)| (h.trim().to_ascii_lowercase(), i))
                .collect(),
        )
    }

    fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The trimmed field under `name`; empty when the column or the field is missing.
    fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        self.0
            .get(name)
            .and_then(|&i| record.get(i))
            .map_or("", str::trim)
    }
}

pub(crate) enum RowOutcome {
    Set(Box<Row>),
    NotStrength,
    Reject(String),
}

const STRONG: &[&str] = &["date", "exercise name", "set order", "reps"];
/// Strong's weight column: plain (the unit in `Weight Unit` or the user's), or, in its other
/// layout, with the unit in the header.
const STRONG_WEIGHT: &[(&str, Option<Unit>)] = &[
    ("weight", None),
    ("weight (kg)", Some(Unit::Kg)),
    ("weight (lbs)", Some(Unit::Lb)),
];
/// Strong's distance columns in either layout (any distance makes a set cardio).
const STRONG_DISTANCE: &[&str] = &[
    "distance",
    "distance (meters)",
    "distance (km)",
    "distance (miles)",
    "distance (feet)",
];
const HEVY: &[&str] = &["title", "start_time", "exercise_title", "set_type", "reps"];
const IRONLOG: &[&str] = &[
    "workout_id",
    "performed_at",
    "exercise",
    "weight_kg",
    "reps",
];

impl Source {
    pub(crate) fn detect(columns: &Columns) -> Option<Source> {
        if columns.has("exercise_title") && columns.has("start_time") {
            Some(Source::Hevy)
        } else if columns.has("exercise name") && columns.has("set order") {
            Some(Source::Strong)
        } else if columns.has("workout_id") && columns.has("exercise") {
            Some(Source::Ironlog)
        } else {
            None
        }
    }

    pub(crate) fn missing_columns(self, columns: &Columns) -> Vec<String> {
        let required = match self {
            Source::Strong => STRONG,
            Source::Hevy => HEVY,
            Source::Ironlog => IRONLOG,
        };
        let mut missing: Vec<String> = required
            .iter()
            .filter(|c| !columns.has(c))
            .map(|c| format!("\"{c}\""))
            .collect();
        if self == Source::Hevy && !columns.has("weight_kg") && !columns.has("weight_lbs") {
            missing.push("\"weight_kg\" or \"weight_lbs\"".into());
        }
        if self == Source::Strong && !STRONG_WEIGHT.iter().any(|(c, _)| columns.has(c)) {
            missing.push("\"weight\" (or \"weight (kg)\" or \"weight (lbs)\")".into());
        }
        missing
    }

    pub(crate) fn read_row(
        self,
        columns: &Columns,
        record: &csv::StringRecord,
        options: &Options,
    ) -> RowOutcome {
        let read = match self {
            Source::Strong => strong(columns, record, options),
            Source::Hevy => hevy(columns, record, options),
            Source::Ironlog => ironlog(columns, record),
        };
        read.unwrap_or_else(RowOutcome::Reject)
    }
}

/// Strong: `Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,
/// Notes,Workout Notes,RPE`, comma- or semicolon-separated; newer files add `Weight Unit`.
/// Its other layout numbers the workouts and puts the units in the headers:
/// `Workout #;Date;Workout Name;Duration (sec);Exercise Name;Set Order;Weight (kg);Reps;RPE;
/// Distance (meters);Seconds;Notes;Workout Notes` (or `Weight (lbs)`).
fn strong(c: &Columns, r: &csv::StringRecord, o: &Options) -> Result<RowOutcome, String> {
    let order = c.get(r, "set order");
    let kind = match order.to_ascii_lowercase().as_str() {
        "w" => Some(SetKind::Warmup),
        "d" => Some(SetKind::Drop),
        "f" => Some(SetKind::Failure),
        n if n.parse::<u32>().is_ok() => Some(SetKind::Working),
        _ => None,
    };
    let Some(kind) = kind else {
        // Strong writes rest timers and notes as rows of their own.
        if order.to_ascii_lowercase().contains("rest")
            || order.to_ascii_lowercase().contains("note")
        {
            return Ok(RowOutcome::NotStrength);
        }
        return Err(format!("set order \"{order}\" is not a number, W, D or F"));
    };
    let (column, header_unit) = STRONG_WEIGHT
        .iter()
        .find(|(name, _)| c.has(name))
        .copied()
        .unwrap_or(("weight", None));
    let row_unit = match c.get(r, "weight unit").to_ascii_lowercase().as_str() {
        "" => None,
        "kg" | "kgs" => Some(Unit::Kg),
        "lb" | "lbs" => Some(Unit::Lb),
        other => return Err(format!("weight unit \"{other}\" is neither kg nor lbs")),
    };
    let unit = match (header_unit, row_unit) {
        (Some(header), Some(row)) if header != row => {
            return Err(format!(
                "the weight unit {} contradicts the header's {}",
                row.symbol(),
                header.symbol()
            ))
        }
        (header, row) => header.or(row).unwrap_or(o.unit),
    };
    let date = c.get(r, "date");
    let performed_at = local_time(date, o, &["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"])?;
    let name = c.get(r, "workout name");
    // The workout's number, where the file has one, tells apart workouts that share a start
    // and a name; with them, so two exports pasted together do not merge their #1s.
    let session = match c.get(r, "workout #") {
        "" => format!("{date}\u{1f}{name}"),
        number => format!("#{number}\u{1f}{date}\u{1f}{name}"),
    };
    let row = set_row(
        session,
        format!("{} {date}", if name.is_empty() { "Workout" } else { name }),
        performed_at,
        c.get(r, "exercise name"),
        weight(c.get(r, column), unit)?,
        c.get(r, "reps"),
        c.get(r, "rpe"),
        STRONG_DISTANCE.iter().any(|d| timed(c.get(r, d))) || timed(c.get(r, "seconds")),
    )?;
    Ok(with_extras(
        row,
        Extras {
            kind,
            superset: "",
            exercise_notes: c.get(r, "notes"),
            workout_notes: c.get(r, "workout notes"),
        },
    ))
}

/// What a row says besides its set: the set's kind, its superset and the notes.
struct Extras<'a> {
    kind: SetKind,
    /// The file's own name for the superset (empty: none).
    superset: &'a str,
    exercise_notes: &'a str,
    workout_notes: &'a str,
}

fn with_extras(outcome: RowOutcome, extras: Extras<'_>) -> RowOutcome {
    let RowOutcome::Set(mut row) = outcome else {
        return outcome;
    };
    row.set.kind = extras.kind;
    row.superset = Some(extras.superset.to_owned()).filter(|s| !s.is_empty());
    row.exercise_notes = note(extras.exercise_notes);
    row.workout_notes = note(extras.workout_notes);
    RowOutcome::Set(row)
}

/// A note as typed into another app: line endings made `\n`; blank is none.
fn note(text: &str) -> Option<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Hevy: `title,start_time,end_time,description,exercise_title,superset_id,exercise_notes,
/// set_index,set_type,weight_kg|weight_lbs,reps,distance_km|distance_miles,duration_seconds,rpe`.
fn hevy(c: &Columns, r: &csv::StringRecord, o: &Options) -> Result<RowOutcome, String> {
    let kind = match c.get(r, "set_type").to_ascii_lowercase().as_str() {
        "normal" | "" => SetKind::Working,
        "warmup" => SetKind::Warmup,
        "dropset" => SetKind::Drop,
        "failure" => SetKind::Failure,
        other => {
            return Err(format!(
                "set type \"{other}\" is not normal, warmup, dropset or failure"
            ))
        }
    };
    let (load, unit) = if c.has("weight_kg") {
        (c.get(r, "weight_kg"), Unit::Kg)
    } else {
        (c.get(r, "weight_lbs"), Unit::Lb)
    };
    let start = c.get(r, "start_time");
    let performed_at = local_time(
        start,
        o,
        &[
            "%d %b %Y, %H:%M",
            "%d %b %Y, %H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ],
    )?;
    let title = c.get(r, "title");
    let moved = ["distance_km", "distance_miles", "duration_seconds"]
        .iter()
        .any(|k| timed(c.get(r, k)));
    let row = set_row(
        format!("{start}\u{1f}{title}"),
        format!(
            "{} {start}",
            if title.is_empty() { "Workout" } else { title }
        ),
        performed_at,
        c.get(r, "exercise_title"),
        weight(load, unit)?,
        c.get(r, "reps"),
        c.get(r, "rpe"),
        moved,
    )?;
    Ok(with_extras(
        row,
        Extras {
            kind,
            superset: c.get(r, "superset_id"),
            exercise_notes: c.get(r, "exercise_notes"),
            workout_notes: c.get(r, "description"),
        },
    ))
}

/// Ironlog's own export: `workout_id,performed_at,exercise,exercise_name,set,weight_kg,reps,rpe`,
/// then (since edits and set kinds) `kind,superset,exercise_notes,workout_notes`.
fn ironlog(c: &Columns, r: &csv::StringRecord) -> Result<RowOutcome, String> {
    let at = c.get(r, "performed_at");
    let performed_at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| format!("performed_at \"{at}\" is not an RFC 3339 time"))?
        .with_timezone(&Utc);
    // Text cells come back as the export neutralised them against spreadsheet formulas.
    let slug = crate::export::restore(c.get(r, "exercise"));
    let exercise = match crate::export::restore(c.get(r, "exercise_name")) {
        "" => slug,
        name => name,
    };
    let row = set_row(
        c.get(r, "workout_id").to_owned(),
        format!("{} {at}", c.get(r, "workout_id")),
        performed_at,
        exercise,
        weight(c.get(r, "weight_kg"), Unit::Kg)?,
        c.get(r, "reps"),
        c.get(r, "rpe"),
        false,
    )?;
    let kind_text = c.get(r, "kind");
    let kind = match kind_text {
        "" => SetKind::Working,
        text => SetKind::parse(text)
            .ok_or_else(|| format!("kind \"{text}\" is not working, warmup, drop or failure"))?,
    };
    let row = with_extras(
        row,
        Extras {
            kind,
            superset: c.get(r, "superset"),
            exercise_notes: crate::export::restore(c.get(r, "exercise_notes")),
            workout_notes: crate::export::restore(c.get(r, "workout_notes")),
        },
    );
    let file_id = uuid::Uuid::try_parse(c.get(r, "workout_id")).ok();
    Ok(match row {
        RowOutcome::Set(mut row) => {
            row.file_id = file_id;
            // The file's slug is kept when it is valid, so the user's own exercises keep theirs.
            if rules::check_slug(slug).is_none() {
                row.slug = Some(slug.to_owned());
            }
            RowOutcome::Set(row)
        }
        other => other,
    })
}

#[allow(clippy::too_many_arguments)]
fn set_row(
    session: String,
    label: String,
    performed_at: DateTime<Utc>,
    exercise: &str,
    weight_kg: f64,
    reps: &str,
    rpe: &str,
    timed: bool,
) -> Result<RowOutcome, String> {
    if exercise.is_empty() {
        return Err("the exercise name is empty".into());
    }
    let reps = match reps {
        "" | "0" if timed => return Ok(RowOutcome::NotStrength),
        "" => return Err("reps are empty".into()),
        text => text
            .parse::<f64>()
            .ok()
            .filter(|r| r.fract() == 0.0 && *r >= 0.0 && *r <= f64::from(u32::MAX))
            .map(|r| r as u64)
            .ok_or_else(|| format!("reps \"{text}\" is not a whole number"))?,
    };
    if let Some(m) = rules::check_reps(reps) {
        return Err(format!("reps {reps} {m}"));
    }
    let rpe = match rpe {
        "" => None,
        text => {
            let value = text
                .replace(',', ".")
                .parse::<f64>()
                .map_err(|_| format!("RPE \"{text}\" is not a number"))?;
            if let Some(m) = rules::check_rpe(value) {
                return Err(format!("RPE {text} {m}"));
            }
            Some(value)
        }
    };
    Ok(RowOutcome::Set(Box::new(Row {
        session,
        label,
        performed_at,
        exercise: exercise.to_owned(),
        slug: None,
        superset: None,
        exercise_notes: None,
        workout_notes: None,
        file_id: None,
        set: SetLog {
            weight_kg,
            reps: reps as u32,
            rpe,
            ..SetLog::default()
        },
    })))
}

fn weight(text: &str, unit: Unit) -> Result<f64, String> {
    if text.is_empty() {
        return Ok(0.0);
    }
    let value = text
        .replace(',', ".")
        .parse::<f64>()
        .map_err(|_| format!("weight \"{text}\" is not a number"))?;
    let kg = unit.to_kg(value);
    if let Some(m) = rules::check_weight(kg) {
        return Err(format!("weight {text} {} {m}", unit.symbol()));
    }
    Ok(kg)
}

/// A distance or duration that is present and not zero.
fn timed(text: &str) -> bool {
    text.replace(',', ".").parse::<f64>().is_ok_and(|v| v > 0.0)
}

fn local_time(text: &str, o: &Options, formats: &[&str]) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    formats
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .and_then(|naive| o.utc_offset.from_local_datetime(&naive).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("date \"{text}\" is not a date and time like 2024-03-01 18:30:00"))
}
