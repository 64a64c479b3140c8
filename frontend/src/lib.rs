//! The Wasm entry point. Everything else lives in `app`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // The release build aborts on a panic before any hook runs (scripts/build.sh); leaving
    // the hook out there leaves out the panic formatting it would bring.
    #[cfg(not(panic = "immediate-abort"))]
    console_error_panic_hook::set_once();
    // Islands: the page is server HTML; Leptos's script hydrates each interactive island after
    // this returns, in microtasks (a lazy island once its code has arrived).
    leptos::mount::hydrate_islands();
    app::mark_interactive();
}
