//! Request decoding and validation on arbitrary bytes: whatever arrives, decoding returns a
//! workout or a list of problems (never panics), every problem names a field and says what is
//! wrong, and a workout it accepts is valid by the rules the consumer checks again, and
//! survives the trip through the event's JSON unchanged. Also fuzzes the other inputs a client
//! controls: history cursors and account emails.

#![no_main]

use chrono::{TimeZone, Utc};
use domain::{decode_new_workout, WorkoutLogged};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = text.parse::<domain::Cursor>();
        if let Ok(email) = domain::account::normalize_email(text) {
            assert_eq!(domain::account::normalize_email(&email), Ok(email.clone()));
        }
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    match decode_new_workout(&value, now) {
        Ok(workout) => {
            let event = WorkoutLogged::new(workout, "fuzz", now);
            assert!(
                event.problems(now).is_empty(),
                "accepted but invalid: {event:?}"
            );
            let bytes = serde_json::to_vec(&event).expect("an event serializes");
            let back: WorkoutLogged = serde_json::from_slice(&bytes).expect("and reads back");
            assert_eq!(back, event);
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "refused without a reason");
            for p in &problems {
                assert!(!p.message.is_empty(), "a problem without a message: {p:?}");
            }
        }
    }
});
