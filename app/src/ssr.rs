//! What server functions need from the server: the stores and who is asking. The JSON API
//! reads profiles, history and plans through the same functions, so pages and API agree.

use std::sync::Arc;

use consumer::accounts::AccountStore;
use consumer::{StoreError, WorkoutStore};
use domain::engine::Plan;
use domain::profile::Profile;
use domain::WorkoutLogged;
use leptos::prelude::*;

/// Provided as Leptos context for every server-rendered page and server function.
#[derive(Clone)]
pub struct AppContext {
    pub store: Arc<dyn WorkoutStore>,
    pub accounts: Arc<dyn AccountStore>,
}

/// The signed-in user of a request, put in the request's extensions by the server's
/// authentication middleware.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: String,
}

impl AppContext {
    /// The user's profile, or the defaults before they save one.
    pub async fn profile(&self, user: &str) -> Result<Profile, StoreError> {
        Ok(self.accounts.profile(user).await?.unwrap_or_default())
    }

    /// Every workout of the user, oldest first.
    pub async fn history(&self, user: &str) -> Result<Vec<WorkoutLogged>, StoreError> {
        let mut all = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .store
                .list(user, domain::cursor::MAX_PAGE, before)
                .await?;
            all.extend(page.items);
            match page.next {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        all.reverse();
        Ok(all)
    }

    /// Today's plan for the user: the active program over their whole history.
    pub async fn plan(&self, user: &str) -> Result<Plan, StoreError> {
        let profile = self.profile(user).await?;
        let history = self.history(user).await?;
        Ok(domain::engine::plan(
            &profile.active(),
            &history,
            &profile.catalog(),
            &profile.settings(),
        ))
    }

    /// The user the request acts for; every query is scoped to it. Without one, a server
    /// function's answer is 401, as the JSON API's.
    pub fn user_id(&self) -> Result<String, ServerFnError> {
        let user = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CurrentUser>().cloned());
        match user {
            Some(user) => Ok(user.id),
            None => {
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.set_status(http::StatusCode::UNAUTHORIZED);
                }
                Err(ServerFnError::new("sign in first"))
            }
        }
    }
}
