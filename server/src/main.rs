//! `ironlog-server`: see `ironlog-server --help` for every setting (flags or environment).

use anyhow::Context;
use leptos::prelude::get_configuration;
use server::{Application, Command, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,lapin=warn,tower_http=warn".into()),
        )
        .init();
    let config = match Config::load() {
        Ok(c) => c,
        // --help and --version print and exit 0; bad settings print why and exit 2.
        Err(server::ConfigError::Flags(e)) => e.exit(),
        Err(e) => return Err(e).context("configuration"),
    };
    if config.command == Some(Command::RebuildReadModels) {
        let done = server::rebuild_read_models(&config)
            .await
            .context("rebuild-read-models")?;
        eprintln!("{} read models rebuilt", done.fresh);
        if done.failed > 0 {
            anyhow::bail!(
                "{} read models could not be rebuilt (see the warnings above); the pages replay those users' histories until they are",
                done.failed
            );
        }
        return Ok(());
    }
    let leptos_options = get_configuration(None)
        .context("reading the LEPTOS_* configuration")?
        .leptos_options;
    let app = Application::build(config, leptos_options)
        .await
        .context("starting the server")?;
    app.run_until(async {
        adapters::signal::terminated().await;
        tracing::info!("shutting down: finishing requests in flight");
    })
    .await;
    Ok(())
}
