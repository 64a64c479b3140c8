//! Who a request acts for. The server's authentication middleware puts it in the request, and
//! everything that answers it reads it from there: the JSON API and form extractors in the
//! server, the server functions in the UI crate. It lives here, below both, so neither depends
//! on the other for it.

/// The signed-in user of a request: every query is scoped to this id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: String,
}
