//! `ironlog-bench [--quick] [--only SECTIONS] [--budget] [--run-for SECS] [--backlog N] [--bin-dir DIR] [--site-root DIR]`
//!
//! Prints one table of benchmark figures, each beside a baseline measured in the same run
//! (see `loadtest::bench`). `--quick` shortens every run, for checking the harness itself;
//! `--only write,consumer` runs some sections (bundle, read, views, tti, write, consumer).
//! `--budget` fails the run when the first load is over its budget (a size, unlike the timings).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use loadtest::bench::{self, BenchConfig};
use loadtest::cli;

const USAGE: &str = "usage: ironlog-bench [--quick] [--only bundle,read,views,tti,write,consumer] [--budget] [--run-for SECS] [--backlog N] [--bin-dir DIR] [--site-root DIR]";

fn parse() -> Result<BenchConfig> {
    let mut config = BenchConfig {
        bin_dir: PathBuf::from("target/release"),
        site_root: PathBuf::from("target/site"),
        end2end_dir: PathBuf::from("end2end"),
        run_for: Duration::from_secs(10),
        backlog: 100_000,
        history: 800,
        only: Vec::new(),
        budget: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .with_context(|| format!("{name} needs a value; {USAGE}"))
        };
        match arg.as_str() {
            "--quick" => {
                config.run_for = Duration::from_secs(2);
                config.backlog = 5_000;
            }
            "--budget" => config.budget = true,
            "--run-for" => config.run_for = cli::seconds("--run-for", &value("--run-for")?)?,
            "--backlog" => {
                let v = value("--backlog")?;
                match v.parse::<usize>() {
                    Ok(n) if n > 0 => config.backlog = n,
                    _ => bail!("--backlog must be a positive whole number, got {v:?}"),
                }
            }
            "--only" => {
                for section in value("--only")?.split(',').map(str::trim) {
                    if !bench::SECTIONS.contains(&section) {
                        bail!(
                            "--only takes sections from {}, got {section:?}",
                            bench::SECTIONS.join(", ")
                        );
                    }
                    config.only.push(section.to_owned());
                }
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
    if config.budget && !config.wants("bundle") {
        bail!("--budget checks the bundle's size: add bundle to --only");
    }
    cli::require_binaries(&config.bin_dir)?;
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match parse() {
        Ok(config) => bench::run(&config).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ironlog-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}
