//! The site's own scripts (`public/*.js`) that every page loads, named once: the page shell
//! (`app::shell`) writes their tags from this list, the service worker precaches them
//! (`server::pwa`), and the first load's budget (`ironlog-bench --only bundle`) counts them.

/// Every page's scripts, in the order the shell loads them: the first
/// [`BEFORE_HYDRATION`] before the Wasm's script (the Log form calls the device store as it
/// hydrates), the rest after it.
pub const PAGE_SCRIPTS: [&str; 3] = ["/device-store.js", "/offline-ui.js", "/sw-register.js"];

/// How many of [`PAGE_SCRIPTS`] come before the Wasm's script.
pub const BEFORE_HYDRATION: usize = 2;
