//! The plain answer page of a form posted without JavaScript, rendered by Leptos like every
//! other page, so everything in it is escaped.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;

use crate::extract::read_at_most;

/// Where the answer page's button returns to: (address, text).
pub type Back = (&'static str, &'static str);

/// What an answer page says, in order: a status note, sentences, a list, then a titled list.
#[derive(Debug, Default)]
pub struct Answer {
    pub note: Option<String>,
    pub text: Vec<String>,
    pub list: Vec<String>,
    pub section: Option<(String, Vec<String>)>,
}

impl Answer {
    pub fn text(sentence: impl Into<String>) -> Self {
        Self {
            text: vec![sentence.into()],
            ..Self::default()
        }
    }

    pub fn list(lines: impl IntoIterator<Item = String>) -> Self {
        Self {
            list: lines.into_iter().collect(),
            ..Self::default()
        }
    }
}

fn items(lines: Vec<String>) -> impl IntoView {
    view! { <ul>{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul> }
}

/// The page as HTML.
pub fn render(title: &str, answer: Answer, back: Back) -> String {
    let Answer {
        note,
        text,
        list,
        section,
    } = answer;
    let (href, back_text) = back;
    let title = title.to_owned();
    let html = Owner::new().with(|| {
        view! {
            <html lang="en">
                <head>
                    <meta charset="utf-8"/>
                    <meta name="viewport" content="width=device-width, initial-scale=1"/>
                    <title>{format!("{title} · Ironlog")}</title>
                    <link rel="stylesheet" href="/pkg/ironlog.css"/>
                </head>
                <body>
                    <main id="main">
                        <section class="card">
                            <h1>{title.clone()}</h1>
                            {note.map(|n| view! { <p class="alert info" role="status">{n}</p> })}
                            {text.into_iter().map(|t| view! { <p>{t}</p> }).collect_view()}
                            {(!list.is_empty()).then(|| items(list))}
                            {section.map(|(heading, lines)| view! { <h2>{heading}</h2>{items(lines)} })}
                            <p><a class="button" href=href>{back_text}</a></p>
                        </section>
                    </main>
                </body>
            </html>
        }
        .to_html()
    });
    format!("<!DOCTYPE html>{html}")
}

/// The answer page as a response; never cached, since it answers one post.
pub fn page(status: StatusCode, title: &str, answer: Answer, back: Back) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(render(title, answer, back)),
    )
        .into_response()
}

/// A posted form's body, or the page that says it was too large.
pub async fn read_form(body: Body, back: Back, max: usize) -> Result<axum::body::Bytes, Response> {
    read_at_most(body, max).await.map_err(|e| {
        page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too much data",
            Answer::text(e.to_string()),
            back,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_a_user_sent_is_escaped() {
        let html = render(
            "<script>alert(1)</script>",
            Answer {
                note: Some("a & b".into()),
                text: vec!["<img src=x onerror=alert(2)>".into()],
                list: vec!["exercise \"<b>\"".into()],
                section: Some(("2 <i>rejected</i>".into(), vec!["line 3: <x>".into()])),
            },
            ("/data", "Back <home>"),
        );
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{html}"
        );
        for raw in ["<script>", "<img", "<b>", "<i>", "<x>", "<home>"] {
            assert!(!html.contains(raw), "{raw} unescaped in {html}");
        }
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; · Ironlog</title>"),
            "{html}"
        );
        assert!(html.contains("<h1>&lt;script&gt;"), "{html}");
        assert!(html.contains("<li>line 3: &lt;x&gt;</li>"), "{html}");
        assert!(html.contains("href=\"/data\""), "{html}");
    }
}
