//! A rest timer between sets. Its end time is kept in the browser's storage, so a reload, a
//! locked phone or a trip to another page does not lose the countdown.

use leptos::prelude::*;

/// Where the end of the current rest is kept, in milliseconds since the epoch.
#[cfg(feature = "hydrate")]
const KEY: &str = "ironlog.rest_until";

const CHOICES: [(u32, &str); 3] = [(90, "1:30"), (120, "2:00"), (180, "3:00")];

fn clock(secs: i64) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// An island: the only Wasm on Today.
#[island]
pub fn RestTimer() -> impl IntoView {
    // Until hydration these stay empty and the buttons do nothing: there is nothing to time.
    let until = RwSignal::new(None::<f64>);
    let now = RwSignal::new(0.0_f64);
    let finished = RwSignal::new(false);

    #[cfg(feature = "hydrate")]
    {
        let storage = || web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        Effect::new(move |_| {
            now.set(js_sys::Date::now());
            let saved = storage()
                .and_then(|s| s.get_item(KEY).ok().flatten())
                .and_then(|v| v.parse::<f64>().ok());
            if let Some(end) = saved.filter(|end| *end > js_sys::Date::now()) {
                until.set(Some(end));
            }
            if let Ok(handle) = set_interval_with_handle(
                move || {
                    let t = js_sys::Date::now();
                    now.set(t);
                    // Clearing `until` also clears the stored end (the effect below).
                    if until.get_untracked().is_some_and(|end| end <= t) {
                        until.set(None);
                        finished.set(true);
                    }
                },
                std::time::Duration::from_millis(250),
            ) {
                on_cleanup(move || handle.clear());
            }
        });
        Effect::new(move |_| {
            if let Some(s) = storage() {
                let _ = match until.get() {
                    Some(end) => s.set_item(KEY, &end.to_string()),
                    None => s.remove_item(KEY),
                };
            }
        });
    }

    let start = move |secs: u32| {
        let base = now.get_untracked();
        until.set(Some(base + f64::from(secs) * 1000.0));
        finished.set(false);
    };
    let add = move |_| {
        if let Some(end) = until.get_untracked() {
            until.set(Some(end + 30_000.0));
        }
    };
    let stop = move |_| {
        until.set(None);
        finished.set(false);
    };
    let remaining = move || {
        until
            .get()
            .map(|end| ((end - now.get()) / 1000.0).ceil().max(0.0) as i64)
    };

    view! {
        <section class="rest-timer card" aria-label="Rest timer" data-testid="rest-timer">
            <div class="rest-display">
                <span class="col-label">"Rest"</span>
                <span class="rest-clock" role="timer" data-testid="rest-remaining"
                    data-running=move || remaining().is_some().to_string()>
                    {move || remaining().map_or_else(|| "–:––".to_owned(), clock)}
                </span>
            </div>
            <div class="rest-buttons">
                {CHOICES.into_iter().map(|(secs, label)| view! {
                    <button type="button" class="button small" on:click=move |_| start(secs)
                        aria-label=format!("Rest {label}")>{label}</button>
                }).collect_view()}
                <button type="button" class="button small ghost" on:click=add
                    disabled=move || remaining().is_none()>"+30 s"</button>
                <button type="button" class="button small ghost" on:click=stop
                    disabled=move || remaining().is_none()>"Stop"</button>
            </div>
            <p class="rest-done" role="status">
                {move || finished.get().then_some("Rest over: time for the next set.")}
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clock_shows_minutes_and_seconds() {
        assert_eq!(super::clock(90), "1:30");
        assert_eq!(super::clock(5), "0:05");
        assert_eq!(super::clock(0), "0:00");
    }
}
