//! `ironlog-drill [--short] [--rate N] [--duration SECS] [--db-outage SECS] [--bin-dir DIR]
//! [--site-root DIR]`
//!
//! The failover drill (see `loadtest::drill`). Exits 0 when every check held, 1 when one
//! failed, 2 when the drill could not run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use loadtest::cli;
use loadtest::drill::{self, DrillConfig};

const USAGE: &str = "usage: ironlog-drill [--short] [--rate N] [--duration SECS] [--db-outage SECS] [--bin-dir DIR] [--site-root DIR]";

fn parse() -> Result<DrillConfig> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bin_dir = PathBuf::from("target/release");
    let site_root = PathBuf::from("target/site");
    let mut config = if args.iter().any(|a| a == "--short") {
        DrillConfig::short(bin_dir, site_root)
    } else {
        DrillConfig::full(bin_dir, site_root)
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .with_context(|| format!("{name} needs a value; {USAGE}"))
        };
        match arg.as_str() {
            "--short" => {}
            "--rate" => config.rate = cli::positive("--rate", &value("--rate")?)?,
            "--duration" => config.duration = cli::seconds("--duration", &value("--duration")?)?,
            "--db-outage" => {
                config.db_outage = cli::seconds("--db-outage", &value("--db-outage")?)?
            }
            "--bin-dir" => config.bin_dir = PathBuf::from(value("--bin-dir")?),
            "--site-root" => config.site_root = PathBuf::from(value("--site-root")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}; {USAGE}"),
        }
    }
    cli::require_binaries(&config.bin_dir)?;
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match parse() {
        Ok(config) => drill::run(&config).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("ironlog-drill: {e:#}");
            ExitCode::from(2)
        }
    }
}
