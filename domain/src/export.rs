//! Ironlog's CSV export: one row per set, readable by spreadsheets and by Ironlog's import.

use crate::catalog::Catalog;
use crate::WorkoutLogged;

pub const CSV_HEADER: [&str; 12] = [
    "workout_id",
    "performed_at",
    "exercise",
    "exercise_name",
    "set",
    "weight_kg",
    "reps",
    "rpe",
    "kind",
    "superset",
    "exercise_notes",
    "workout_notes",
];

/// Characters that make a spreadsheet read a cell as a formula (CSV injection): `=`, `+`,
/// `-`, `@`, and the tab and carriage return some of them skip before looking.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as exported: one that a spreadsheet would run as a formula gets a leading
/// apostrophe (shown as text, never evaluated), and so does one that already starts with an
/// apostrophe, so that [`restore`] can undo exactly this and a round trip loses nothing.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_START) || cell.starts_with('\'') {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The text cell [`neutralise`] was given.
pub fn restore(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// Writing the export failed: never answered as a shorter or empty file.
#[derive(Debug, thiserror::Error)]
#[error("the CSV export could not be written")]
pub struct ExportError(#[from] csv::Error);

/// Every set of `workouts`, in the order given.
pub fn to_csv(workouts: &[WorkoutLogged], catalog: &Catalog) -> Result<String, ExportError> {
    let mut out = Vec::new();
    write_csv(&mut out, workouts, catalog)?;
    // The csv writer writes the UTF-8 it is given; any other byte would be a bug surfaced here.
    String::from_utf8(out).map_err(|e| ExportError(csv::Error::from(std::io::Error::other(e))))
}

/// Every set of `workouts` as CSV into `out`, header first; the first failure stops it and
/// is returned.
pub fn write_csv(
    mut out: impl std::io::Write,
    workouts: &[WorkoutLogged],
    catalog: &Catalog,
) -> Result<(), ExportError> {
    write_csv_header(&mut out)?;
    write_csv_rows(out, workouts, catalog)
}

/// The CSV's header line, for an export written a page at a time.
pub fn write_csv_header(out: impl std::io::Write) -> Result<(), ExportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER)?;
    writer.flush().map_err(csv::Error::from)?;
    Ok(())
}

/// The rows of every set of `workouts`, without the header.
pub fn write_csv_rows(
    out: impl std::io::Write,
    workouts: &[WorkoutLogged],
    catalog: &Catalog,
) -> Result<(), ExportError> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    for w in workouts {
        let id = w.id.to_string();
        let at = w
            .performed_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let workout_notes = neutralise(w.notes.as_deref().unwrap_or_default());
        for e in &w.exercises {
            let name = catalog.name(&e.exercise);
            let group = e.group.map(|g| g.to_string()).unwrap_or_default();
            let notes = neutralise(e.notes.as_deref().unwrap_or_default());
            for (i, s) in e.sets.iter().enumerate() {
                writer.write_record([
                    id.as_str(),
                    at.as_str(),
                    &neutralise(e.exercise.as_str()),
                    &neutralise(name),
                    &(i + 1).to_string(),
                    &s.weight_kg.to_string(),
                    &s.reps.to_string(),
                    &s.rpe.map(|r| r.to_string()).unwrap_or_default(),
                    s.kind.as_str(),
                    &group,
                    // Notes repeat on every row of their exercise or workout: any row read
                    // alone is whole, and the import keeps one copy.
                    &notes,
                    &workout_notes,
                ])?;
            }
        }
    }
    writer.flush().map_err(csv::Error::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn a_neutralised_cell_never_starts_a_formula_and_restores_exactly(cell in ".*") {
            let out = neutralise(&cell);
            proptest::prop_assert!(!out.starts_with(FORMULA_START));
            proptest::prop_assert_eq!(restore(&out), cell.as_str());
        }
    }

    #[test]
    fn formula_payloads_are_neutralised() {
        for payload in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "'=1"] {
            assert!(neutralise(payload).starts_with('\''), "{payload:?}");
        }
        assert_eq!(neutralise("Back squat"), "Back squat");
    }

    /// A disk that fills after `room` bytes.
    struct Full {
        room: usize,
    }

    impl std::io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.room {
                return Err(std::io::Error::other("no space left"));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failed_write_is_an_error_not_a_short_file() {
        let history = crate::sample::five_years("u");
        let catalog = Catalog::default();
        let full = write_csv(Full { room: 100 }, &history, &catalog);
        assert!(full.is_err(), "a write that fails is reported");
        let text = to_csv(&history, &catalog).unwrap();
        assert!(text.starts_with("workout_id,performed_at"));
        assert!(text.lines().count() > history.len());
    }
}
