//! Ironlog's pages, rendered on the server by axum. Leptos islands: a page is server HTML, and
//! only its interactive parts (`#[island]`: the Log form, the rest timer, Progress, the import)
//! ship as Wasm and hydrate. Each page works as plain HTML before that as far as a form can.
//!
//! # Layout
//!
//! - This file: the HTML shell (its page scripts from `assets::PAGE_SCRIPTS`), the routes and
//!   the navigation.
//! - Pages and their server functions: `log/` (Log), `plan` (Today), `history`,
//!   `progress` and its SVG `charts`, `programs`, `editor/` (the program editor: `fields.rs`,
//!   and the `preview.rs` island), `data` (Your data), `account` (log-in and sign-up).
//! - Shared: `draft` (the Log form as typed, turned into the API's JSON by the browser and by
//!   the server's no-JS post alike; `FIELD_LABELS`), `format` (display helpers that server
//!   rendering and hydration share), `timer` (the rest timer).
//! - `ssr` (ssr only): what server functions take from the server: the training service and
//!   the signed-in user.
//! - `client` and `device` (hydrate only): the JSON API's reads, and the Log form's way to the
//!   device store (its draft and the outbox).

// Progress's view types nest deeper than the default limit allows the server's async render.
#![recursion_limit = "256"]

#[cfg(feature = "hydrate")]
mod client;
#[cfg(feature = "hydrate")]
mod device;
// Both at once happens when one cargo invocation builds `frontend` and `server` together
// (e.g. `--workspace`): features unify and the server would panic at start-up.
#[cfg(all(feature = "ssr", feature = "hydrate"))]
compile_error!(
    "app's `ssr` and `hydrate` features are both on: build native targets without `frontend` \
     (`cargo test`, not `cargo test --workspace`) and let cargo-leptos build the Wasm"
);

pub mod account;
pub mod charts;
pub mod data;
pub mod draft;
pub mod editor;
pub mod format;
pub mod history;
pub mod log;
pub mod plan;
pub mod programs;
pub mod progress;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod timer;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::{SsrMode, StaticSegment};

/// Where the page loads the build's `pkg/` files from, provided as context by the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PkgAssets {
    /// `<assets URL>/<release>` when they are on a CDN, empty for this server.
    pub root: String,
    /// On a CDN, the import map giving every script and Wasm file its Subresource Integrity.
    pub import_map: Option<String>,
}

fn pkg_assets() -> PkgAssets {
    use_context::<PkgAssets>().unwrap_or_default()
}

/// `<script src=… defer>` for each of the site's own scripts.
fn page_scripts(scripts: &'static [&'static str]) -> impl IntoView {
    scripts
        .iter()
        .map(|src| view! { <script src=*src defer></script> })
        .collect_view()
}

/// The HTML document around the app, rendered once per page on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let PkgAssets { root, import_map } = pkg_assets();
    #[cfg(feature = "ssr")]
    let user = ssr::signed_in();
    #[cfg(not(feature = "ssr"))]
    let user: Option<String> = None;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                // The browser's bar in each scheme: a light bar over light pages, a dark one over dark.
                <meta name="theme-color" content="#ffffff" media="(prefers-color-scheme: light)"/>
                <meta name="theme-color" content="#131c2e" media="(prefers-color-scheme: dark)"/>
                // iOS reads neither the manifest's icons nor its display mode.
                <link rel="apple-touch-icon" href="/apple-touch-icon.png"/>
                <meta name="apple-mobile-web-app-capable" content="yes"/>
                <meta name="mobile-web-app-capable" content="yes"/>
                <meta name="apple-mobile-web-app-status-bar-style" content="black-translucent"/>
                <meta name="apple-mobile-web-app-title" content="Ironlog"/>
                <AutoReload options=options.clone()/>
                // Before any module is loaded: the browser checks every module it fetches
                // against the map, and pkg-integrity.js gives the Wasm fetches the same.
                {import_map.map(|map| view! {
                    <script type="importmap" nonce=leptos::nonce::use_nonce() inner_html=map></script>
                    <script src="/pkg-integrity.js" defer></script>
                })}
                // Before the Wasm's script: the Log form calls the device store as it hydrates.
                {page_scripts(&assets::PAGE_SCRIPTS[..assets::BEFORE_HYDRATION])}
                <HydrationScripts options islands=true root=root/>
                {page_scripts(&assets::PAGE_SCRIPTS[assets::BEFORE_HYDRATION..])}
                <MetaTags/>
            </head>
            // Whose workouts the device store (public/device-store.js) shows and sends.
            <body data-user=user>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href=format!("{}/pkg/ironlog.css", pkg_assets().root)/>
        <Title formatter=|page: String| if page.is_empty() { "Ironlog".to_owned() } else { format!("{page} · Ironlog") }/>
        <Meta name="description" content="Ironlog: log your lifts, see your progress. Self-hosted strength training."/>
        <Link rel="manifest" href="/manifest.webmanifest"/>
        <Link rel="icon" href="/icon.svg" type_="image/svg+xml"/>
        <Router>
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"▮▬▮"</span>
                    " Ironlog"
                </a>
                <Nav/>
            </header>
            <main id="main">
                <Routes fallback=NotFound>
                    // Rendered whole before sending (the plan's pre-fill included), so the form
                    // works as plain HTML without JavaScript.
                    <Route path=StaticSegment("") view=log::LogPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("today") view=plan::TodayPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("progress") view=progress::ProgressPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("programs") view=programs::ProgramsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("programs"), StaticSegment("edit")) view=editor::EditorPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("data") view=data::DataPage ssr=SsrMode::Async/>
                    // Rendered whole before sending, so History is complete without JavaScript.
                    <Route path=StaticSegment("history") view=history::HistoryPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("login") view=account::LoginPage/>
                    <Route path=StaticSegment("signup") view=account::SignupPage/>
                </Routes>
            </main>
        </Router>
    }
}

/// Marks the page interactive (`body[data-hydrated]`) for tests and the benchmark. Called
/// right after `hydrate_islands`: a zero timeout runs after the islands' hydration microtasks.
#[cfg(feature = "hydrate")]
pub fn mark_interactive() {
    set_timeout(
        || {
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}

/// The main navigation; signed-in pages also offer signing out (a form: it works without
/// JavaScript and is a POST, so no link can sign anyone out).
#[component]
fn Nav() -> impl IntoView {
    let location = use_location();
    let on_account_page = move || matches!(location.pathname.get().as_str(), "/login" | "/signup");
    view! {
        <nav aria-label="Main">
            <Show
                when=on_account_page
                fallback=|| view! {
                    // A tab bar at the bottom on phones, links in the top bar on wider screens.
                    <div class="tabs">
                        <A href="/today">"Today"</A>
                        <A href="/">"Log"</A>
                        <A href="/history">"History"</A>
                        <A href="/progress">"Progress"</A>
                        <A href="/data">"Data"</A>
                    </div>
                    <form class="signout" method="post" action="/logout">
                        <button type="submit" class="linklike">"Sign out"</button>
                    </form>
                }
            >
                <A href="/login">"Log in"</A>
                <A href="/signup">"Sign up"</A>
            </Show>
        </nav>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <section class="card">
            <h1>"Page not found"</h1>
            <p><a href="/">"Log a workout"</a>" or see your "<a href="/history">"history"</a>"."</p>
        </section>
    }
}
