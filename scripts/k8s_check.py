#!/usr/bin/env python3
"""Checks rendered Kustomize overlays (scripts/k8s-check.sh renders them).

For each overlay: every object is validated strictly (unknown fields fail): core kinds with
kubernetes-validate for one Kubernetes version, custom resources against JSON schemas laid
out as kubeconform does ({group}/{kind}_{version}.json); a kind with no schema fails. Then
static consistency with the sources (variables, ports, metric and queue names), and, for the
overlays named with --policy, the production policy tests.

Exit status: 0 when everything held, 1 on any failure, 2 on a usage or setup error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

try:
    import jsonschema
    import kubernetes_validate
except ImportError as e:  # the shell wrapper installs them
    print(f"k8s-check: missing Python package: {e.name}", file=sys.stderr)
    sys.exit(2)

REPO = Path(__file__).resolve().parent.parent

# Containers of these workloads must have liveness and readiness probes; the startup probe
# is optional (third-party images with a quick start).
RELAXED_STARTUP_PROBE = {"cloudflared"}
# Stakater Reloader: rolls a Deployment when a Secret it names changes.
RELOAD_ANNOTATION = "secret.reloader.stakater.com/reload"
# The workloads built from this repository, and the sources whose variables they read.
IRONLOG_WORKLOADS = {
    "ironlog-server": ["server/src", "adapters/src"],
    "ironlog-consumer": ["consumer/src", "adapters/src"],
}
# Read by leptos_config (LeptosOptions::try_from_env), not by Ironlog's own code.
LEPTOS_VARS = {
    "LEPTOS_OUTPUT_NAME", "LEPTOS_SITE_ROOT", "LEPTOS_SITE_PKG_DIR", "LEPTOS_ENV",
    "LEPTOS_SITE_ADDR", "LEPTOS_RELOAD_PORT", "LEPTOS_HASH_FILES",
}
GENERIC_VARS = {"RUST_LOG"}  # tracing_subscriber's EnvFilter
# Kinds with no namespace whose schema kustomize does not know.
CLUSTER_SCOPED_CUSTOM = {"ClusterIssuer", "GatewayClass"}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.notes: list[str] = []

    def fail(self, where: str, msg: str) -> None:
        self.failures.append(f"{where}: {msg}")
        print(f"    FAIL {where}: {msg}")

    def ok(self, msg: str) -> None:
        print(f"    ok   {msg}")


def ident(doc: dict) -> str:
    md = doc.get("metadata") or {}
    ns = md.get("namespace")
    return f"{doc.get('kind')}/{(ns + '/') if ns else ''}{md.get('name')}"


def load(path: Path) -> list[dict]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    for d in docs:
        if not isinstance(d, dict) or "kind" not in d or "apiVersion" not in d:
            raise SystemExit(f"k8s-check: {path}: a document without kind/apiVersion")
    return docs


# ---------------------------------------------------------------------------------------
# Schema validation


def schema_path(schemas: Path, doc: dict) -> Path:
    group, _, version = doc["apiVersion"].rpartition("/")
    return schemas / group / f"{doc['kind'].lower()}_{version}.json"


_schema_cache: dict[Path, jsonschema.Draft7Validator] = {}


def validate_custom(doc: dict, schemas: Path | None, rep: Report, where: str) -> str:
    """'ok', 'failed' or 'skipped' (no schema folder)."""
    if schemas is None:
        return "skipped"
    path = schema_path(schemas, doc)
    if not path.is_file():
        rep.fail(where, f"no schema for {doc['apiVersion']} {doc['kind']} "
                        f"(looked for {path}); a kind without a schema is not allowed")
        return "failed"
    validator = _schema_cache.get(path)
    if validator is None:
        validator = jsonschema.Draft7Validator(json.loads(path.read_text()))
        _schema_cache[path] = validator
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    for e in errors:
        at = "/".join(str(p) for p in e.absolute_path) or "(root)"
        rep.fail(where, f"{at}: {e.message}")
    return "failed" if errors else "ok"


def validate_all(docs: list[dict], k8s_version: str, schemas: Path | None,
                 rep: Report) -> None:
    counts = {"core": 0, "custom": 0, "skipped": 0}
    failed_before = len(rep.failures)
    for doc in docs:
        where = ident(doc)
        try:
            kubernetes_validate.validate(doc, k8s_version, strict=True)
            counts["core"] += 1
            continue
        except kubernetes_validate.SchemaNotFoundError:
            pass  # not a core kind: a custom resource
        except kubernetes_validate.ValidationError as e:
            path = "/".join(str(p) for p in getattr(e, "absolute_path", [])) or "(root)"
            msg = getattr(e, "message", None) or str(e).splitlines()[0]
            rep.fail(where, f"{path}: {msg}")
            counts["core"] += 1
            continue
        except Exception as e:  # noqa: BLE001 - an invalid schema or document
            rep.fail(where, f"kubernetes-validate: {type(e).__name__}: {str(e).splitlines()[0]}")
            continue
        result = validate_custom(doc, schemas, rep, where)
        counts["skipped" if result == "skipped" else "custom"] += 1
    if len(rep.failures) == failed_before:
        rep.ok(f"strict schemas: {counts['core']} core objects (Kubernetes {k8s_version}), "
               f"{counts['custom']} custom resources"
               + (f", {counts['skipped']} custom resources NOT validated" if counts["skipped"] else ""))
    if counts["skipped"]:
        rep.notes.append(f"{counts['skipped']} custom resources were not validated (no schema folder)")


# ---------------------------------------------------------------------------------------
# Helpers for pods and selectors


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] in POD_TEMPLATE_KINDS:
        return ((doc.get("spec") or {}).get("template") or {}).get("spec")
    return None


def pod_labels(doc: dict) -> dict:
    return (((doc.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def selects(selector: dict | None, labels: dict) -> bool:
    """A LabelSelector; an empty one selects everything."""
    selector = selector or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def containers(spec: dict) -> list[tuple[str, dict]]:
    out = [("container", c) for c in spec.get("containers") or []]
    out += [("initContainer", c) for c in spec.get("initContainers") or []]
    return out


def image_problem(image: str) -> str | None:
    if not image:
        return "has no image"
    name, digest = image, None
    if "@" in image:
        name, digest = image.split("@", 1)
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    if tag == "latest":
        return f"image {image} uses the tag latest"
    if tag is None and not digest:
        return f"image {image} has no tag or digest"
    return None


def container_ports(spec: dict) -> dict[str, int]:
    ports: dict[str, int] = {}
    for _, c in containers(spec):
        for p in c.get("ports") or []:
            ports[p.get("name") or str(p["containerPort"])] = p["containerPort"]
    return ports


def resolve_port(port, ports: dict[str, int]) -> int | None:
    if isinstance(port, int):
        return port
    if isinstance(port, str) and port.isdigit():
        return int(port)
    return ports.get(port)


# ---------------------------------------------------------------------------------------
# Consistency with the sources (static; the runtime test starts the real binaries)


def source_text(dirs: list[str]) -> str:
    parts = []
    for d in dirs:
        for f in sorted((REPO / d).rglob("*.rs")):
            parts.append(f.read_text(errors="replace"))
    return "\n".join(parts)


def workload_env(doc: dict, docs: list[dict]) -> dict[str, str]:
    """Every variable the first container gets (envFrom ConfigMaps, then env)."""
    spec = pod_spec(doc) or {}
    c = (spec.get("containers") or [{}])[0]
    cms = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    env: dict[str, str] = {}
    for src in c.get("envFrom") or []:
        ref = src.get("configMapRef")
        if ref and ref["name"] in cms:
            env.update({k: str(v) for k, v in (cms[ref["name"]].get("data") or {}).items()})
    for e in c.get("env") or []:
        env[e["name"]] = str(e.get("value", ""))
    return env


def addr_port(value: str) -> int | None:
    m = re.search(r":(\d+)$", value.strip())
    return int(m.group(1)) if m else None


def var_known(var: str, src: str) -> bool:
    """Whether a binary whose sources are `src` reads the environment variable `var`."""
    if var in LEPTOS_VARS or var in GENERIC_VARS:
        return True
    if var.endswith("_FILE") and f'"{var[:-5]}"' in src:
        return True  # adapters::secrets::secret(NAME) reads NAME_FILE
    if re.match(r"IRONLOG_(AMQP|MONGODB)_(CA|CERT_KEY)_FILE$", var):
        return "TlsFiles::from_env" in src  # adapters/src/tls.rs builds these names
    return f'"{var}"' in src


# The compose file's services that run Ironlog's binaries, by workload.
COMPOSE_SERVICES = {"server": "ironlog-server", "consumer": "ironlog-consumer"}


def check_compose(path: Path, k8s_docs: list[dict], rep: Report) -> None:
    """The compose file against the Compose specification's schema, and its Ironlog services'
    variables against the binaries' sources."""
    where = str(path.relative_to(REPO))
    failed_before = len(rep.failures)
    run = subprocess.run(
        ["check-jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True, text=True)
    if run.returncode != 0:
        rep.fail(where, "not valid against the Compose specification:\n" + run.stdout + run.stderr)
    doc = yaml.safe_load(path.read_text())
    services = doc.get("services") or {}
    for service, workload in COMPOSE_SERVICES.items():
        if service not in services:
            rep.fail(where, f"no service {service}")
            continue
        src = source_text(IRONLOG_WORKLOADS[workload])
        for var in (services[service].get("environment") or {}):
            if not var_known(var, src):
                rep.fail(where, f"service {service}: variable {var} is read by neither {workload} nor its libraries")
    check_compose_policies(doc, k8s_docs, rep, where)
    if len(rep.failures) == failed_before:
        rep.ok("compose.yaml: valid Compose file, its Ironlog services' variables read by the "
               "binaries, the broker's policies those of the manifests")


def check_compose_policies(doc: dict, k8s_docs: list[dict], rep: Report, where: str) -> None:
    """The definitions compose.yaml imports into RabbitMQ hold the manifests' Policies."""
    content = (((doc.get("configs") or {}).get("rabbitmq-definitions") or {}).get("content"))
    if not content:
        rep.fail(where, "no configs.rabbitmq-definitions: the persist queue would get no policy")
        return
    try:
        imported = {p["name"]: p for p in json.loads(content).get("policies", [])}
    except (ValueError, KeyError, TypeError) as e:
        rep.fail(where, f"configs.rabbitmq-definitions is not RabbitMQ definitions JSON: {e}")
        return
    for policy in (d for d in k8s_docs if d["kind"] == "Policy"):
        spec = policy["spec"]
        want = {"vhost": spec.get("vhost", "/"), "name": spec["name"], "pattern": spec["pattern"],
                "apply-to": spec.get("applyTo", "all"), "priority": spec.get("priority", 0),
                "definition": spec["definition"]}
        got = imported.get(spec["name"])
        if got != want:
            rep.fail(where, f"policy {spec['name']}: compose imports {got}, the manifests set {want}")


def check_consistency(docs: list[dict], rep: Report) -> None:
    failed_before = len(rep.failures)
    rabbit = (REPO / "adapters/src/rabbit.rs").read_text()
    m = re.search(r'pub const QUEUE: &str = "([^"]+)"', rabbit)
    queue = m.group(1) if m else None
    metric_names = set(re.findall(r'"(ironlog_[a-z0-9_]+)"', source_text(
        ["server/src", "consumer/src", "adapters/src", "service/src"])))

    for doc in docs:
        name = doc["metadata"]["name"]
        if doc["kind"] != "Deployment" or name not in IRONLOG_WORKLOADS:
            continue
        where = ident(doc)
        src = source_text(IRONLOG_WORKLOADS[name])
        env = workload_env(doc, docs)
        for var in env:
            if not var_known(var, src):
                rep.fail(where, f"variable {var} is read by neither {name} nor its libraries")
        spec = pod_spec(doc) or {}
        ports = container_ports(spec)
        c = spec["containers"][0]
        # The ports the binary listens on must be the container's ports...
        listen = {}
        if "LEPTOS_SITE_ADDR" in env:
            listen["LEPTOS_SITE_ADDR"] = addr_port(env["LEPTOS_SITE_ADDR"])
        if "IRONLOG_METRICS_ADDR" in env:
            listen["IRONLOG_METRICS_ADDR"] = addr_port(env["IRONLOG_METRICS_ADDR"])
        elif name == "ironlog-consumer":
            rep.fail(where, "IRONLOG_METRICS_ADDR unset: the consumer would listen on 127.0.0.1:9187 only")
        for var, port in listen.items():
            if port not in ports.values():
                rep.fail(where, f"{var}={env[var]} but the container ports are {sorted(ports.values())}")
        # ...and every probe must ask one of them on a path the binary serves.
        served = {"/healthz", "/readyz"} if name == "ironlog-server" else {"/metrics"}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = (c.get(probe) or {}).get("httpGet")
            if not get:
                continue
            port = resolve_port(get.get("port"), ports)
            if port not in listen.values():
                rep.fail(where, f"{probe} asks port {get.get('port')}, where the binary does not listen")
            if get.get("path") not in served:
                rep.fail(where, f"{probe} asks {get.get('path')}, which {name} does not serve ({sorted(served)})")
        for e in c.get("env") or []:
            if e["name"].endswith("_FILE"):
                mounted = any(e["value"].startswith(vm["mountPath"].rstrip("/") + "/")
                              for vm in c.get("volumeMounts") or [])
                if not mounted:
                    rep.fail(where, f"{e['name']}={e['value']} is on no mounted volume")

    for doc in docs:
        where = ident(doc)
        if doc["kind"] == "ScaledObject":
            for t in doc["spec"].get("triggers") or []:
                q = (t.get("metadata") or {}).get("queueName")
                if t.get("type") == "rabbitmq" and q != queue:
                    rep.fail(where, f"trigger queue {q!r} is not the queue the binaries declare ({queue!r})")
        texts = []
        if doc["kind"] == "PrometheusRule":
            texts = [r.get("expr", "") for g in doc["spec"]["groups"] for r in g["rules"]]
        if doc["kind"] == "ConfigMap":
            for key, value in (doc.get("data") or {}).items():
                if key.endswith(".json"):
                    try:
                        texts.append(json.dumps(json.loads(value)))
                    except json.JSONDecodeError as e:
                        rep.fail(where, f"{key} is not JSON: {e}")
        for text in texts:
            for metric in set(re.findall(r"\b(ironlog_[a-z0-9_]+)", text)):
                base = re.sub(r"_(bucket|count|sum)$", "", metric)
                if base not in metric_names:
                    rep.fail(where, f"metric {metric} is exported by neither binary")
    if len(rep.failures) == failed_before:
        rep.ok("consistent with the sources: variables, listen ports, probe paths, queue and metric names")


# ---------------------------------------------------------------------------------------
# Policy tests (production)


def check_policy(docs: list[dict], rep: Report) -> None:
    failed_before = len(rep.failures)
    workloads = [d for d in docs if pod_spec(d) is not None]
    pdbs = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    netpols = [d for d in docs if d["kind"] == "NetworkPolicy"]

    for doc in workloads:
        where = ident(doc)
        spec = pod_spec(doc)
        pod_sc = spec.get("securityContext") or {}
        if spec.get("automountServiceAccountToken") is not False:
            rep.fail(where, "automountServiceAccountToken is not false")
        for role, c in containers(spec):
            cw = f"{where} {role} {c.get('name')}"
            probes = ["livenessProbe", "readinessProbe"]
            if role == "container":
                if c.get("name") not in RELAXED_STARTUP_PROBE and doc["metadata"]["name"] not in RELAXED_STARTUP_PROBE:
                    probes.append("startupProbe")
                for p in probes:
                    if not c.get(p):
                        rep.fail(cw, f"no {p}")
            res = c.get("resources") or {}
            for part in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    if r not in (res.get(part) or {}):
                        rep.fail(cw, f"no resources.{part}.{r}")
            sc = c.get("securityContext") or {}
            if not (sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True):
                rep.fail(cw, "runAsNonRoot is not true")
            if sc.get("readOnlyRootFilesystem") is not True:
                rep.fail(cw, "readOnlyRootFilesystem is not true")
            if sc.get("allowPrivilegeEscalation") is not False:
                rep.fail(cw, "allowPrivilegeEscalation is not false")
            if sc.get("privileged"):
                rep.fail(cw, "privileged")
            if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
                rep.fail(cw, "capabilities do not drop ALL")
            if (sc.get("capabilities") or {}).get("add"):
                rep.fail(cw, "adds capabilities")
            seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
            if seccomp != "RuntimeDefault":
                rep.fail(cw, f"seccompProfile is {seccomp or 'unset'}, not RuntimeDefault")
            problem = image_problem(c.get("image", ""))
            if problem:
                rep.fail(cw, problem)
        # Secrets are read at start-up: a changed one must roll the pods (Reloader).
        mounted = sorted({(v.get("secret") or {}).get("secretName") for v in spec.get("volumes") or []} - {None})
        if mounted and doc["kind"] == "Deployment":
            annotation = ((doc["metadata"].get("annotations") or {}).get(RELOAD_ANNOTATION) or "")
            listed = sorted(filter(None, (s.strip() for s in annotation.split(","))))
            if listed != mounted:
                rep.fail(where, f"{RELOAD_ANNOTATION} lists {listed}, but the pods mount {mounted}")
        labels = pod_labels(doc)
        if doc["kind"] in ("Deployment", "StatefulSet"):
            if not any(selects(p["spec"].get("selector"), labels) for p in pdbs):
                rep.fail(where, "no PodDisruptionBudget selects its pods")
        # Graceful shutdown: the preStop pause plus the server's 20 s drain must fit.
        if doc["metadata"]["name"] == "ironlog-server":
            grace = spec.get("terminationGracePeriodSeconds", 30)
            pause = sum(((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep", {}).get("seconds", 0)
                        for c in spec.get("containers") or [])
            if grace < pause + 20:
                rep.fail(where, f"terminationGracePeriodSeconds {grace} < preStop {pause} s + 20 s drain")

    # Operator-run stateful services: an image pinned, and a PDB for their pods.
    for doc in docs:
        if doc["kind"] in ("RabbitmqCluster", "MongoDBCommunity"):
            where = ident(doc)
            if doc["kind"] == "RabbitmqCluster":
                problem = image_problem(doc["spec"].get("image", ""))
                if problem:
                    rep.fail(where, problem + " (spec.image)")
            labels = {"app.kubernetes.io/name": doc["metadata"]["name"]}
            if not any(selects(p["spec"].get("selector"), labels) for p in pdbs):
                rep.fail(where, "no PodDisruptionBudget selects its pods")

    # (Secrets with inline values are refused in every overlay: check_common.)

    def is_default_deny(p: dict) -> bool:
        s = p["spec"]
        return (not (s.get("podSelector") or {}).get("matchLabels")
                and not (s.get("podSelector") or {}).get("matchExpressions")
                and {"Ingress", "Egress"} <= set(s.get("policyTypes") or [])
                and not s.get("ingress") and not s.get("egress"))

    if not any(is_default_deny(p) for p in netpols):
        rep.fail("NetworkPolicy", "no default deny (podSelector {}, policyTypes Ingress and Egress, no rules)")
    allow = [p for p in netpols if not is_default_deny(p)
             and ((p["spec"].get("podSelector") or {}).get("matchLabels")
                  or (p["spec"].get("podSelector") or {}).get("matchExpressions"))]
    for doc in workloads:
        labels = pod_labels(doc)
        mine = [p for p in allow if selects(p["spec"]["podSelector"], labels)]
        if not mine:
            rep.fail(ident(doc), "no allow NetworkPolicy selects its pods")
        ports = container_ports(pod_spec(doc))
        for p in mine:
            for rule in p["spec"].get("ingress") or []:
                for port in rule.get("ports") or []:
                    if resolve_port(port.get("port"), ports) not in ports.values():
                        rep.fail(ident(p), f"ingress port {port.get('port')} is not a port of "
                                           f"{doc['metadata']['name']} ({sorted(ports.values())})")

    for doc in docs:
        if doc["kind"] == "ScaledObject" and (doc["spec"].get("minReplicaCount") or 0) < 3:
            rep.fail(ident(doc), "minReplicaCount below 3")
    if len(rep.failures) == failed_before:
        rep.ok(f"policy: {len(workloads)} workloads (probes, resources, security context, images, "
               f"PDBs, NetworkPolicies)")


def check_common(docs: list[dict], rep: Report) -> None:
    failed_before = len(rep.failures)
    text = yaml.safe_dump_all(docs)
    if "NAMESPACE" in text:
        rep.fail("render", "a NAMESPACE placeholder is left (the overlay's replacements did not apply)")
    for doc in docs:
        if doc["kind"] in CLUSTER_SCOPED_CUSTOM and (doc.get("metadata") or {}).get("namespace"):
            rep.fail(ident(doc), "is cluster-scoped but has a namespace")
        if doc["kind"] == "Secret" and (doc.get("data") or doc.get("stringData")):
            rep.fail(ident(doc), "a Secret with inline data or stringData")
    if len(rep.failures) == failed_before:
        rep.ok("no placeholders left, cluster-scoped kinds without namespace, no inline Secret")


def check_argocd(docs: list[dict], rep: Report) -> None:
    """Argo CD's Applications against their projects and this repository: each uses a project
    that exists, allows its source and destination; a source in this repository names a path
    that exists; Ironlog's own Application syncs after every other one (sync waves)."""
    failed_before = len(rep.failures)
    label = re.search(r'org\.opencontainers\.image\.source="([^"]+)"',
                      (REPO / "images/server.Containerfile").read_text())
    repo_url = label.group(1) if label else None
    projects = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "AppProject"}
    apps = [d for d in docs if d["kind"] == "Application"]
    wave = lambda d: int(((d["metadata"].get("annotations") or {}).get("argocd.argoproj.io/sync-wave")) or 0)
    for app in apps:
        where, spec = ident(app), app["spec"]
        if app["metadata"].get("namespace") != "argocd":
            rep.fail(where, "not in the namespace argocd, where Argo CD reads Applications")
        project = projects.get(spec.get("project"))
        if project is None:
            rep.fail(where, f"project {spec.get('project')!r} is not one of {sorted(projects)}")
            continue
        auto = (spec.get("syncPolicy") or {}).get("automated") or {}
        if not (auto.get("prune") and auto.get("selfHeal")):
            rep.fail(where, "automated sync without prune and self-heal")
        for source in spec.get("sources") or [spec.get("source") or {}]:
            url = source.get("repoURL")
            if url not in project.get("sourceRepos", []) and "*" not in project.get("sourceRepos", []):
                rep.fail(where, f"source {url} is not allowed by project {spec['project']}")
            if url == repo_url and not (REPO / source.get("path", "") / "kustomization.yaml").is_file():
                rep.fail(where, f"path {source.get('path')!r} is not a kustomization in this repository")
        dest = spec.get("destination") or {}
        if not any(d.get("namespace") in (dest.get("namespace"), "*") and d.get("server") == dest.get("server")
                   for d in project.get("destinations", [])):
            rep.fail(where, f"destination {dest} is not allowed by project {spec['project']}")
    ironlog = [a for a in apps if (a["spec"].get("source") or {}).get("path") == "k8s/overlays/prod"]
    if len(ironlog) != 1:
        rep.fail("argocd", f"{len(ironlog)} Applications sync k8s/overlays/prod, not 1")
    elif any(wave(a) >= wave(ironlog[0]) for a in apps
             if a is not ironlog[0] and not (a["spec"].get("source") or {}).get("path", "").startswith("k8s/argocd")):
        rep.fail(ident(ironlog[0]), "syncs in the same wave as, or before, an operator it needs")
    if repo_url is None:
        rep.fail("argocd", "images/server.Containerfile has no org.opencontainers.image.source label")
    if len(rep.failures) == failed_before:
        rep.ok(f"Argo CD: {len(apps)} Applications, {len(projects)} projects; sources, destinations, "
               "paths and sync waves consistent")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rendered", nargs="+", type=Path, help="NAME=FILE of a rendered overlay")
    ap.add_argument("--k8s-version", default="1.32.0")
    ap.add_argument("--schemas", type=Path, help="custom-resource schema folder; omit to skip")
    ap.add_argument("--policy", action="append", default=[], help="overlay NAME to run the policy tests on")
    ap.add_argument("--compose", type=Path, help="a compose file to validate too")
    args = ap.parse_args()

    rep = Report()
    policy_docs: list[dict] = []
    argocd_docs: list[dict] = []
    for item in args.rendered:
        name, _, path = str(item).partition("=")
        docs = load(Path(path))
        print(f"==> overlay {name}: {len(docs)} objects")
        validate_all(docs, args.k8s_version, args.schemas, rep)
        check_common(docs, rep)
        check_consistency(docs, rep)
        if name in args.policy:
            check_policy(docs, rep)
            policy_docs += docs
        if name.startswith("argocd"):
            argocd_docs += docs
    if argocd_docs:
        print("==> Argo CD")
        check_argocd(argocd_docs, rep)
    if args.compose:
        print(f"==> {args.compose}")
        check_compose(args.compose.resolve(), policy_docs, rep)
    for n in rep.notes:
        print(f"note: {n}")
    if rep.failures:
        print(f"k8s-check: {len(rep.failures)} failure(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
