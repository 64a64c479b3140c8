//! The Wasm entry point. Everything else lives in `app`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes (Progress, Your data) hydrate asynchronously, once their code has arrived.
    leptos::mount::hydrate_lazy(app::App);
}
