//! Log-in and sign-up: plain HTML forms that post to the server (`/login`, `/signup`), so
//! they work before hydration and without JavaScript. Errors come back as a code in the query.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Shortest password accepted at sign-up (the server checks it too).
pub const MIN_PASSWORD: usize = 10;

fn error_text(code: &str) -> &'static str {
    match code {
        "credentials" => "Email or password is incorrect.",
        "email" => "Enter an email address, like you@example.com.",
        "password" => "Choose a password of at least 10 characters.",
        "taken" => "An account with this email already exists. Log in instead?",
        "unavailable" => "Accounts are unavailable for a moment. Please try again.",
        "rate" => "Too many attempts. Wait a minute, then try again.",
        "proxy" => "Sign-in is handled by the proxy in front of Ironlog: open Ironlog through it.",
        _ => "Something went wrong. Please try again.",
    }
}

#[component]
fn AccountForm(
    title: &'static str,
    action: &'static str,
    submit: &'static str,
    new_password: bool,
    children: Children,
) -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error");
    let email = move || query.read().get("email").unwrap_or_default();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    let signed_out = move || query.read().get("signed_out").is_some();
    let deleted = move || query.read().get("deleted").is_some();
    view! {
        <Title text=title/>
        <section class="card auth">
            <h1>{title}</h1>
            <Show when=signed_out>
                <div class="alert info" role="status">"You are signed out."</div>
            </Show>
            <Show when=deleted>
                <div class="alert info" role="status" data-testid="account-deleted">
                    "Your account and everything in it are deleted."
                </div>
            </Show>
            {move || error().map(|code| view! {
                <div class="alert error" role="alert" data-testid="auth-error">{error_text(&code)}</div>
            })}
            <form method="post" action=action class="auth-form">
                <input type="hidden" name="next" value=next/>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="email" required value=email/>
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    required
                    minlength=if new_password { MIN_PASSWORD } else { 1 }
                    autocomplete=if new_password { "new-password" } else { "current-password" }
                />
                {new_password.then(|| view! { <p class="hint">"At least 10 characters."</p> })}
                <button type="submit" class="button primary wide">{submit}</button>
            </form>
            {children()}
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <AccountForm title="Log in" action="/login" submit="Log in" new_password=false>
            <p class="muted">"New here? "<a href="/signup">"Create an account"</a></p>
        </AccountForm>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    view! {
        <AccountForm title="Create your account" action="/signup" submit="Create account" new_password=true>
            <p class="muted">"Have an account? "<a href="/login">"Log in"</a></p>
        </AccountForm>
    }
}
