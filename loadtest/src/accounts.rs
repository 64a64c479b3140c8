//! Signed-in clients for the drill and the benchmark: accounts made through the API, as a
//! person would, and each session shown to every server once so their caches know it before
//! any fault (as a real user's browsing would).

use anyhow::{bail, Context, Result};
use serde_json::json;

pub const PASSWORD: &str = "load-test passphrase";

/// A signed-in account: its id and the `Cookie` header value that carries its session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: String,
    pub cookie: String,
}

/// Signs up `n` accounts on the first server and checks each session on every server.
pub async fn sign_up(
    client: &reqwest::Client,
    servers: &[String],
    n: usize,
) -> Result<Vec<SignedIn>> {
    let Some(first) = servers.first() else {
        bail!("no servers to sign up on");
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("load-{i}-{}@example.com", uuid::Uuid::now_v7());
        let resp = client
            .post(format!("{first}/api/v1/auth/signup"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .context("signing up")?;
        if resp.status().as_u16() != 201 {
            bail!("sign-up answered {}", resp.status());
        }
        let cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                v.split(';')
                    .next()
                    .filter(|c| c.contains("ironlog_session="))
            })
            .context("sign-up set no session cookie")?
            .to_owned();
        let body: serde_json::Value = resp.json().await.context("sign-up body")?;
        let user_id = body["user_id"]
            .as_str()
            .context("sign-up answered no user_id")?
            .to_owned();
        for server in servers {
            let me = client
                .get(format!("{server}/api/v1/auth/me"))
                .header("cookie", &cookie)
                .send()
                .await
                .context("checking a session")?;
            if !me.status().is_success() {
                bail!("{server} did not accept a new session: {}", me.status());
            }
        }
        out.push(SignedIn { user_id, cookie });
    }
    Ok(out)
}

impl SignedIn {
    /// A client that acts as this account.
    pub fn client(&self) -> Result<reqwest::Client> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::COOKIE,
            self.cookie
                .parse()
                .context("a session cookie that fits a header")?,
        );
        Ok(crate::load::client_with(headers))
    }
}

/// One signed-in account on `server`.
pub async fn one(server: &str) -> Result<SignedIn> {
    let mut accounts = sign_up(&crate::load::client(), &[server.to_owned()], 1).await?;
    accounts.pop().context("no account was made")
}
