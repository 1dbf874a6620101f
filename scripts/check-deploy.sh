#!/usr/bin/env bash
# Checks deploy/ offline: the Kubernetes manifests of deploy/k8s against the Kubernetes schemas
# (kubernetes-validate from PyPI, which bundles them; --strict refuses unknown fields), what
# kustomize would render (every file listed, nothing unlisted), the references between them,
# deploy/compose.yaml's topology, and both NATS configurations with `nats-server -t`.
# The CloudNativePG Cluster has no schema in that bundle (it is the operator's CRD): its keys
# that Provisio relies on are checked here instead.
#   scripts/check-deploy.sh        (run by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
state="$(pwd)/.ci/state"
mkdir -p "$state"

venv="$state/venv-deploy"
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'kubernetes-validate==1.37.0'
fi
nats_server=${PROVISIO_NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Structure, references and compose; prints the files to validate against the schemas.
"$venv/bin/python" - "$work" >"$work/files" <<'PY'
import os, sys, yaml

work = sys.argv[1]
k8s = "deploy/k8s"
problems = []
def check(ok, what):
    if not ok:
        problems.append(what)

kustomization = yaml.safe_load(open(f"{k8s}/kustomization.yaml"))
listed = kustomization["resources"]
present = sorted(f for f in os.listdir(k8s) if f.endswith(".yaml") and f != "kustomization.yaml")
check(sorted(listed) == present, f"kustomization resources {sorted(listed)} differ from the files {present}")
docs = [(f, d) for f in listed for d in yaml.safe_load_all(open(f"{k8s}/{f}")) if d]
by_kind = {}
for f, d in docs:
    by_kind.setdefault(d["kind"], []).append(d)

# CloudNativePG: what the service and the writers rely on.
clusters = by_kind.get("Cluster", [])
check(len(clusters) == 1, "one CloudNativePG Cluster")
for c in clusters:
    check(c["apiVersion"] == "postgresql.cnpg.io/v1", "the Cluster is CloudNativePG's")
    spec = c["spec"]
    check(spec.get("instances", 0) >= 2, "PostgreSQL has a standby")
    check(spec["bootstrap"]["initdb"]["database"] == "provisio", "the database is provisio")
    check("size" in spec["storage"], "PostgreSQL has storage")
secrets = {d["metadata"]["name"] for d in by_kind.get("Secret", [])}
secrets |= {c["metadata"]["name"] + "-app" for c in clusters}  # made by the operator

nats = by_kind["StatefulSet"][0]
check(nats["spec"]["replicas"] == 3, "NATS runs three nodes")
config = next(d for d in by_kind["ConfigMap"] if d["metadata"]["name"] == "nats-config")
conf = config["data"]["nats-server.conf"].replace("include ./users/provisio-users.conf", "include ./provisio-users.conf")
open(f"{work}/k8s-nats.conf", "w").write(conf)

roles = set()
for d in by_kind["Deployment"]:
    name = d["metadata"]["name"]
    pod = d["spec"]["template"]
    c = pod["spec"]["containers"][0]
    args = c["args"]
    role = args[args.index("--role") + 1]
    roles.add(role)
    check(d["spec"]["replicas"] >= 2, f"{name}: two replicas at least")
    check(c["livenessProbe"]["httpGet"]["path"] == "/healthz", f"{name}: liveness on /healthz")
    check(c["readinessProbe"]["httpGet"]["path"] == "/readyz", f"{name}: readiness on /readyz")
    check("requests" in c["resources"] and "limits" in c["resources"], f"{name}: resources")
    env = {e["name"]: e for e in c["env"]}
    check(env["PROVISIO_NATS_URL"]["value"].count("nats://") == 3, f"{name}: every NATS node in --nats-url")
    check(env["PROVISIO_STREAM_REPLICAS"]["value"] == "3", f"{name}: three stream replicas")
    for e in c["env"]:
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            check(ref["name"] in secrets, f"{name}: secret {ref['name']} is defined")
    labels = pod["metadata"]["labels"]
    matching = lambda sel: all(labels.get(k) == v for k, v in sel.items())
    check(any(matching(p["spec"]["selector"]["matchLabels"]) for p in by_kind["PodDisruptionBudget"]),
          f"{name}: a PodDisruptionBudget")
check(roles == {"writer", "reader"}, f"writer and reader Deployments, not {roles}")
reader_service = next(s for s in by_kind["Service"] if s["metadata"]["name"] == "provisio")
check(reader_service["spec"]["selector"].get("app.kubernetes.io/component") == "reader", "clients reach readers")

compose = yaml.safe_load(open("deploy/compose.yaml"))
services = compose["services"]
want = {"nats-1", "nats-2", "nats-3", "postgres", "writer-1", "writer-2", "reader-1", "reader-2"}
check(set(services) == want, f"compose services {sorted(services)}")
for name, s in services.items():
    for v in s.get("volumes", []):
        source = v.split(":")[0]
        check(source.startswith("./") or source in (compose.get("volumes") or {}), f"{name}: volume {source} is declared")
    if name.startswith(("writer", "reader")):
        check(s["command"] == ["serve", "--role", name.split("-")[0]], f"{name}: serve --role")
        env = s["environment"]
        check(env["PROVISIO_NATS_URL"].count("nats://") == 3, f"{name}: every NATS node in --nats-url")
        check(env["PROVISIO_STREAM_REPLICAS"] == "3", f"{name}: three stream replicas")
    if name.startswith("nats"):
        check(s["environment"]["NATS_SERVER_NAME"] == name, f"{name}: its server name")

if problems:
    sys.exit("deploy/ is inconsistent:\n  " + "\n  ".join(problems))
for f in listed:
    if f != "postgres.yaml":
        print(f"{k8s}/{f}")
# A negative control: the validator must refuse a field Kubernetes does not know.
broken = open(f"{k8s}/writer.yaml").read().replace("  replicas: 2\n", "  replicas: 2\n  replica: 2\n", 1)
open(f"{work}/broken.yaml", "w").write(broken)
PY

"$venv/bin/kubernetes-validate" --strict --quiet $(cat "$work/files")
if "$venv/bin/kubernetes-validate" --strict --quiet "$work/broken.yaml" >/dev/null 2>&1; then
  echo "kubernetes-validate accepted a manifest with an unknown field" >&2
  exit 1
fi

# Both NATS configurations parse, with the placeholder users file beside them.
cp deploy/provisio-users.conf "$work/provisio-users.conf"
cp deploy/nats-server.conf "$work/compose-nats.conf"
for conf in compose-nats k8s-nats; do
  out=$(NATS_SERVER_NAME=nats-1 POD_NAME=nats-0 "$nats_server" -t -c "$work/$conf.conf" 2>&1) ||
    { echo "$conf: $out" >&2; exit 1; }
done
echo "deploy/: manifests, compose file and NATS configurations are valid"
