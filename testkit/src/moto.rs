//! moto in server mode: a local S3 and CloudFront (PyPI `moto[server]`), for the static
//! assets' publisher.

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::{free_port, wait_for_http, which, Proc};

pub struct Moto {
    _proc: Proc,
    pub port: u16,
}

impl Moto {
    pub fn start() -> Result<Self> {
        let bin = which("moto_server").context(
            "moto_server is missing: pip install 'moto[server]==5.2.5' (the README's test command does)",
        )?;
        let port = free_port()?;
        let mut cmd = Command::new(bin);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        let proc = Proc::spawn(&format!("moto-{port}"), cmd)?;
        // moto answers its dashboard's API once it is up.
        wait_for_http(port, "/moto-api/", Duration::from_secs(30))
            .with_context(|| format!("moto did not start:\n{}", proc.tail(20)))?;
        Ok(Self { _proc: proc, port })
    }

    /// What `AWS_ENDPOINT_URL` is set to for clients of this server.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment an AWS SDK client needs to talk to this server: the endpoint, a region
    /// and static credentials (moto accepts any).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}
