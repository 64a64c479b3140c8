//! Reading a rendered overlay the way the kubelet reads it: the container a Deployment runs
//! (its image's entrypoint and environment, then the ConfigMaps and variables the manifest
//! adds), the files its Secret volumes put where, its ports and probes, and the objects that
//! point at it (Services, ServiceMonitors, NetworkPolicies, ScaledObjects).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;

/// Every object of `kubectl kustomize <overlay>`.
pub struct Rendered(Vec<Value>);

impl Rendered {
    pub fn overlay(dir: &Path) -> Result<Self> {
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(dir)
            .output()
            .context("running kubectl (install it: scripts/k8s-check.sh needs it too)")?;
        if !out.status.success() {
            bail!(
                "kubectl kustomize {} failed: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut objects = Vec::new();
        for doc in serde_norway::Deserializer::from_slice(&out.stdout) {
            let object = Value::deserialize(doc).context("a rendered object")?;
            if !object.is_null() {
                objects.push(object);
            }
        }
        Ok(Self(objects))
    }

    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.0.iter().filter(move |o| o["kind"] == kind)
    }

    pub fn named(&self, kind: &str, name: &str) -> Result<&Value> {
        self.0
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .ok_or_else(|| anyhow!("the overlay has no {kind} named {name}"))
    }
}

pub fn str_at<'a>(value: &'a Value, pointer: &str) -> Result<&'a str> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("no string at {pointer} in {}", short(value)))
}

fn short(value: &Value) -> String {
    format!(
        "{} {}",
        value["kind"].as_str().unwrap_or("object"),
        value["metadata"]["name"].as_str().unwrap_or("")
    )
}

pub fn labels(value: &Value, pointer: &str) -> BTreeMap<String, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a label selector (`matchLabels` only; `matchExpressions` is refused) selects `labels`.
pub fn selects(selector: &Value, labels: &BTreeMap<String, String>) -> Result<bool> {
    if selector.get("matchExpressions").is_some() {
        bail!("matchExpressions in {selector}: teach this test to read them");
    }
    let wanted = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    Ok(wanted
        .iter()
        .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str()))
}

/// What a Containerfile in `images/` puts in its image.
pub struct Image {
    pub entrypoint: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Destination in the image → source in the repository.
    pub copies: Vec<(String, String)>,
}

impl Image {
    /// The Containerfile that builds `image` (`ghcr.io/ironlog/ironlog-server:0.1.0` →
    /// `images/server.Containerfile`).
    pub fn for_reference(repo: &Path, image: &str) -> Result<Self> {
        let name = image
            .rsplit('/')
            .next()
            .and_then(|n| n.split([':', '@']).next())
            .and_then(|n| n.strip_prefix("ironlog-"))
            .ok_or_else(|| anyhow!("{image} is not one of Ironlog's images"))?;
        let path = repo.join(format!("images/{name}.Containerfile"));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("reading {}", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let mut image = Image {
            entrypoint: Vec::new(),
            env: Vec::new(),
            copies: Vec::new(),
        };
        for line in instructions(text) {
            let (word, rest) = line.split_once(' ').unwrap_or((&line, ""));
            match word.to_ascii_uppercase().as_str() {
                "ENV" => {
                    for pair in rest.split_whitespace() {
                        let (k, v) = pair
                            .split_once('=')
                            .ok_or_else(|| anyhow!("ENV {pair}: only KEY=VALUE is read here"))?;
                        image
                            .env
                            .push((k.to_owned(), v.trim_matches('"').to_owned()));
                    }
                }
                "COPY" => {
                    let parts: Vec<&str> = rest
                        .split_whitespace()
                        .filter(|p| !p.starts_with("--"))
                        .collect();
                    match parts.as_slice() {
                        [src, dst] => image.copies.push(((*dst).to_owned(), (*src).to_owned())),
                        _ => bail!("COPY {rest}: one source and one destination expected"),
                    }
                }
                "ENTRYPOINT" => {
                    image.entrypoint = serde_json::from_str(rest)
                        .with_context(|| format!("ENTRYPOINT {rest}: the exec (JSON) form"))?;
                }
                _ => {}
            }
        }
        if image.entrypoint.is_empty() {
            bail!("no ENTRYPOINT");
        }
        Ok(image)
    }
}

/// A Containerfile's instructions, continuation lines joined, comments dropped.
fn instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

/// An HTTP probe, its port resolved to a number.
#[derive(Debug)]
pub struct HttpProbe {
    pub kind: &'static str,
    pub path: String,
    pub port: u16,
    pub period_secs: u64,
    pub timeout_secs: u64,
    pub failure_threshold: u64,
}

/// A file a Secret volume puts in the container.
pub struct SecretFile {
    pub secret: String,
    pub key: String,
    pub path: String,
    pub mode: u32,
}

/// The one container of a Deployment, as the kubelet would start it.
pub struct Container {
    pub deployment: String,
    pub image: Image,
    pub command: Vec<String>,
    /// With the kubelet's precedence: `env` over `envFrom` over the image's.
    pub env: BTreeMap<String, String>,
    pub ports: BTreeMap<String, u16>,
    pub probes: Vec<HttpProbe>,
    pub files: Vec<SecretFile>,
    /// The paths the volumes are mounted at.
    pub mounts: Vec<String>,
    pub pod_labels: BTreeMap<String, String>,
    pub uid: u32,
    pub gid: u32,
    pub fs_group: u32,
}

impl Container {
    pub fn of_deployment(rendered: &Rendered, repo: &Path, name: &str) -> Result<Self> {
        let deployment = rendered.named("Deployment", name)?;
        let pod = &deployment["spec"]["template"]["spec"];
        let containers = pod["containers"].as_array().context("containers")?;
        let [c] = containers.as_slice() else {
            bail!("{name}: one container expected, found {}", containers.len());
        };
        if pod.get("initContainers").is_some() {
            bail!("{name}: init containers are not modelled by this test");
        }
        let image = Image::for_reference(repo, str_at(c, "/image")?)?;

        let mut env: BTreeMap<String, String> = image.env.iter().cloned().collect();
        for source in c["envFrom"].as_array().into_iter().flatten() {
            let map = str_at(source, "/configMapRef/name")
                .with_context(|| format!("{name}: envFrom supports ConfigMaps only"))?;
            let data = &rendered.named("ConfigMap", map)?["data"];
            for (k, v) in data.as_object().into_iter().flatten() {
                env.insert(
                    k.clone(),
                    v.as_str().context("a ConfigMap value")?.to_owned(),
                );
            }
        }
        for var in c["env"].as_array().into_iter().flatten() {
            let key = str_at(var, "/name")?;
            let value = str_at(var, "/value").with_context(|| {
                format!("{name}: {key} is not a plain value (secrets are files here)")
            })?;
            env.insert(key.to_owned(), value.to_owned());
        }

        // `command` replaces the entrypoint, `args` its arguments.
        let mut command = match c["command"].as_array() {
            Some(cmd) => strings(cmd)?,
            None => image.entrypoint.clone(),
        };
        command.extend(strings(
            c["args"].as_array().map_or(&[][..], Vec::as_slice),
        )?);

        let mut ports = BTreeMap::new();
        for p in c["ports"].as_array().into_iter().flatten() {
            let number = p["containerPort"].as_u64().context("containerPort")?;
            ports.insert(
                str_at(p, "/name")?.to_owned(),
                u16::try_from(number).context("a port number")?,
            );
        }

        let mut probes = Vec::new();
        for (kind, key) in [
            ("startup", "startupProbe"),
            ("readiness", "readinessProbe"),
            ("liveness", "livenessProbe"),
        ] {
            let Some(probe) = c.get(key) else { continue };
            let get = probe
                .get("httpGet")
                .with_context(|| format!("{name}: {key} is not an httpGet probe"))?;
            probes.push(HttpProbe {
                kind,
                path: str_at(get, "/path")?.to_owned(),
                port: resolve_port(&ports, &get["port"])
                    .with_context(|| format!("{name}: {key}'s port"))?,
                period_secs: probe["periodSeconds"].as_u64().unwrap_or(10),
                timeout_secs: probe["timeoutSeconds"].as_u64().unwrap_or(1),
                failure_threshold: probe["failureThreshold"].as_u64().unwrap_or(3),
            });
        }

        let volumes = pod["volumes"].as_array().cloned().unwrap_or_default();
        let mut files = Vec::new();
        let mut mounts = Vec::new();
        for mount in c["volumeMounts"].as_array().into_iter().flatten() {
            let volume_name = str_at(mount, "/name")?;
            let mount_path = str_at(mount, "/mountPath")?;
            if mount.get("subPath").is_some() {
                bail!("{name}: subPath mounts never see a rotated secret; mount the directory");
            }
            let volume = volumes
                .iter()
                .find(|v| v["name"] == volume_name)
                .with_context(|| format!("{name}: no volume {volume_name}"))?;
            let secret = volume
                .get("secret")
                .with_context(|| format!("{name}: volume {volume_name} is not a Secret"))?;
            let default_mode = secret["defaultMode"].as_u64().unwrap_or(0o644) as u32;
            let items = secret["items"]
                .as_array()
                .with_context(|| format!("{name}: volume {volume_name} lists no items"))?;
            for item in items {
                files.push(SecretFile {
                    secret: str_at(secret, "/secretName")?.to_owned(),
                    key: str_at(item, "/key")?.to_owned(),
                    path: format!("{mount_path}/{}", str_at(item, "/path")?),
                    mode: item["mode"].as_u64().map_or(default_mode, |m| m as u32),
                });
            }
            mounts.push(mount_path.to_owned());
        }

        let id = |pointer: &str| -> Option<u32> {
            c.pointer(&format!("/securityContext/{pointer}"))
                .or_else(|| pod.pointer(&format!("/securityContext/{pointer}")))
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        let uid = id("runAsUser").with_context(|| format!("{name}: no runAsUser"))?;
        Ok(Self {
            deployment: name.to_owned(),
            command,
            env,
            ports,
            probes,
            files,
            mounts,
            pod_labels: labels(deployment, "/spec/template/metadata/labels"),
            uid,
            gid: id("runAsGroup").unwrap_or(uid),
            fs_group: id("fsGroup").unwrap_or(uid),
            image,
        })
    }

    /// Where a path of the container's filesystem is on this machine: the volumes under
    /// `root`, what the image copied from the repository in the repository, anything else
    /// (which the container would not have either) under `root`.
    pub fn host_path(&self, path: &str, root: &Path, repo: &Path) -> PathBuf {
        let under = |prefix: &str| {
            path == prefix || path.starts_with(&format!("{}/", prefix.trim_end_matches('/')))
        };
        if !self.mounts.iter().any(|m| under(m)) {
            if let Some((dst, src)) = self.image.copies.iter().find(|(dst, _)| under(dst)) {
                return repo
                    .join(src)
                    .join(path[dst.len()..].trim_start_matches('/'));
            }
        }
        root.join(path.trim_start_matches('/'))
    }

    /// The environment with every absolute path moved to where [`Self::host_path`] puts it.
    pub fn host_env(&self, root: &Path, repo: &Path) -> BTreeMap<String, String> {
        self.env
            .iter()
            .map(|(k, v)| {
                let v = if v.starts_with('/') {
                    self.host_path(v, root, repo).display().to_string()
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect()
    }
}

fn strings(values: &[Value]) -> Result<Vec<String>> {
    values
        .iter()
        .map(|v| v.as_str().map(str::to_owned).context("a string"))
        .collect()
}

/// A port given by name or number, as one of `ports`.
pub fn resolve_port(ports: &BTreeMap<String, u16>, port: &Value) -> Result<u16> {
    match port {
        Value::String(name) => ports
            .get(name)
            .copied()
            .ok_or_else(|| anyhow!("no container port named {name}")),
        Value::Number(n) => {
            let n = n.as_u64().and_then(|n| u16::try_from(n).ok());
            n.filter(|n| ports.values().any(|p| p == n))
                .ok_or_else(|| anyhow!("{port} is not a container port"))
        }
        _ => bail!("a port is a name or a number, not {port}"),
    }
}
