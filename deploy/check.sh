#!/usr/bin/env bash
# Static checks of deploy/ (nothing is started):
#   1. every YAML file under deploy/ parses;
#   2. every environment variable that the compose file and the Kubernetes manifests give the
#      Firmament server maps to a property key documented in deploy/README.md (Spring relaxed
#      binding: upper case, '.' -> '_', '-' removed), and the README's env column agrees;
#   3. every documented firmament.* key is read somewhere in the modules' main sources.
# Needs python3 with PyYAML for all three; falls back to ruby for (1) alone, else skips with a
# message. Exit status is non-zero when a check fails.
set -euo pipefail

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$DEPLOY_DIR")"

mapfile -t YAML_FILES < <(find "$DEPLOY_DIR" -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
echo "deploy/check.sh: ${#YAML_FILES[@]} YAML files under deploy/"

if command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' >/dev/null 2>&1; then
  exec python3 - "$DEPLOY_DIR" "$REPO_DIR" "${YAML_FILES[@]}" <<'PY'
import os, re, sys, yaml

deploy_dir, repo_dir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
failures = []

def rel(p):
    return os.path.relpath(p, repo_dir)

# 1. Every YAML file parses (all documents of multi-document files).
docs_by_file = {}
for f in files:
    try:
        with open(f) as fh:
            docs_by_file[f] = [d for d in yaml.safe_load_all(fh) if d is not None]
        print(f"  ok   parses: {rel(f)} ({len(docs_by_file[f])} document(s))")
    except yaml.YAMLError as e:
        failures.append(f"{rel(f)} does not parse: {e}")
        print(f"  FAIL parses: {rel(f)}")

# Documented keys: backticked keys in the first column of README table rows.
readme = os.path.join(deploy_dir, "README.md")
documented = {}  # env name -> property key
key_re = re.compile(r"^\|\s*`((?:spring|firmament)\.[a-z0-9.-]+)`\s*\|\s*`([A-Z0-9_]+)`\s*\|")
with open(readme) as fh:
    for line in fh:
        m = key_re.match(line)
        if not m:
            continue
        key, env_col = m.groups()
        env = key.upper().replace(".", "_").replace("-", "")
        if env != env_col:
            failures.append(f"README row for {key}: env column {env_col}, relaxed binding gives {env}")
        documented[env] = key
if not documented:
    failures.append("no settings table found in deploy/README.md")
print(f"  info README documents {len(documented)} property keys")

def is_firmament_image(image):
    return isinstance(image, str) and "firmament-server" in image

# 2a. Compose: environment of services built from / running the Firmament image.
set_vars = []  # (where, name)
for f, docs in docs_by_file.items():
    for d in docs:
        if not isinstance(d, dict) or "services" not in d:
            continue
        for name, svc in (d.get("services") or {}).items():
            if not (is_firmament_image(svc.get("image")) or svc.get("build")):
                continue
            env = svc.get("environment") or {}
            names = env.keys() if isinstance(env, dict) else [e.split("=", 1)[0] for e in env]
            set_vars += [(f"{rel(f)}:{name}", n) for n in names]

# 2b. Kubernetes: env and envFrom of containers running the Firmament image.
objects = [d for docs in docs_by_file.values() for d in docs if isinstance(d, dict) and "kind" in d]
by_kind_name = {(o["kind"], o.get("metadata", {}).get("name")): o for o in objects}
for o in objects:
    spec = (o.get("spec") or {}).get("template", {}).get("spec") if o["kind"] in (
        "Deployment", "StatefulSet", "DaemonSet", "Job") else None
    if not spec:
        continue
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        if not is_firmament_image(c.get("image")):
            continue
        where = f"{o['kind']}/{o['metadata']['name']}"
        set_vars += [(where, e["name"]) for e in c.get("env", [])]
        for src in c.get("envFrom", []):
            for kind, ref in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if ref in src:
                    target = by_kind_name.get((kind, src[ref]["name"]))
                    if target is None:
                        failures.append(f"{where}: envFrom {kind} {src[ref]['name']} not defined here")
                        continue
                    keys = list((target.get("data") or {}).keys()) + list((target.get("stringData") or {}).keys())
                    set_vars += [(f"{where} <- {kind}/{src[ref]['name']}", k) for k in keys]

if not set_vars:
    failures.append("found no environment variables for the Firmament server in compose or manifests")
for where, name in set_vars:
    if name in documented:
        print(f"  ok   {name} = {documented[name]}  ({where})")
    else:
        failures.append(f"{where}: {name} maps to no property key documented in deploy/README.md")
        print(f"  FAIL {name}  ({where})")

# 3. Documented firmament.* keys exist in the code (@Value or @ConfigurationProperties).
sources = {}
for root, dirs, names in os.walk(repo_dir):
    dirs[:] = [d for d in dirs if d not in (".git", "target", "node_modules", "deploy")]
    if os.sep + "src" + os.sep + "main" not in root + os.sep:
        continue
    for n in names:
        if n.endswith(".java"):
            p = os.path.join(root, n)
            with open(p, errors="replace") as fh:
                sources[p] = fh.read()

def camel(s):
    head, *rest = s.split("-")
    return head + "".join(w.capitalize() for w in rest)

for key in sorted(documented.values()):
    if not key.startswith("firmament."):
        continue  # spring.* keys belong to Spring Boot
    prefix, _, leaf = key.rpartition(".")
    found = any("${" + key + ":" in t or "${" + key + "}" in t for t in sources.values()) or any(
        f'@ConfigurationProperties("{prefix}")' in t and re.search(r"\b" + camel(leaf) + r"\b", t)
        for t in sources.values())
    if found:
        print(f"  ok   read by the code: {key}")
    else:
        failures.append(f"documented key {key} is not read anywhere in */src/main/java")
        print(f"  FAIL read by the code: {key}")

if failures:
    print("\ndeploy/check.sh: FAILED")
    for f in failures:
        print("  - " + f)
    sys.exit(1)
print("\ndeploy/check.sh: all checks passed")
PY
elif command -v ruby >/dev/null 2>&1; then
  echo "python3 with PyYAML not found: parsing with ruby only; the env/README checks are SKIPPED"
  status=0
  for f in "${YAML_FILES[@]}"; do
    if ruby -ryaml -e 'YAML.load_stream(File.read(ARGV[0]))' "$f"; then
      echo "  ok   parses: ${f#"$REPO_DIR"/}"
    else
      echo "  FAIL parses: ${f#"$REPO_DIR"/}"; status=1
    fi
  done
  exit "$status"
else
  echo "SKIPPED: no YAML parser (python3 + PyYAML, or ruby) on this machine; nothing was checked"
  exit 0
fi
