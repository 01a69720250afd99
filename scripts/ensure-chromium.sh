#!/usr/bin/env bash
# Prints the path of a Chromium for the web page's browser tests (playwright-core drives it; it never
# downloads a browser of its own). The first of:
#   1. CHROMIUM_PATH, when set;
#   2. chromium, chromium-browser or google-chrome on PATH (Debian's package: /usr/bin/chromium);
#   3. Playwright's own download, if one was made (`npx playwright-core install chromium`);
#   4. otherwise, where apt-get exists (Debian, Ubuntu), Debian's chromium package is installed
#      (as root, or through sudo), once: later runs find it at step 2.
# Anything it says goes to stderr; stdout carries only the path.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "ensure-chromium: $*" >&2; }

if [ -n "${CHROMIUM_PATH:-}" ]; then
  if [ ! -x "$CHROMIUM_PATH" ]; then log "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file"; exit 1; fi
  echo "$CHROMIUM_PATH"
  exit 0
fi

for name in chromium chromium-browser google-chrome-stable google-chrome; do
  if found="$(command -v "$name")"; then echo "$found"; exit 0; fi
done

# Where `playwright-core install chromium` puts its browser (nothing there unless someone ran it).
downloaded="$(cd services/tickets && node --input-type=module -e \
  "import('playwright-core').then((p) => console.log(p.chromium.executablePath())).catch(() => {})" 2>/dev/null || true)"
if [ -n "$downloaded" ] && [ -x "$downloaded" ]; then echo "$downloaded"; exit 0; fi

if command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=()
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      log "no Chromium found, and installing Debian's chromium package needs root: run 'apt-get install chromium' as root, or set CHROMIUM_PATH"
      exit 1
    fi
    sudo_cmd=(sudo)
  fi
  log "no Chromium found: installing Debian's chromium package with apt-get (once; about 100 MB)"
  install=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium)
  # The package lists may be missing or stale on a fresh machine: refresh them once if needed.
  if ! "${install[@]}" >&2; then
    "${sudo_cmd[@]}" apt-get update -q >&2
    "${install[@]}" >&2
  fi
  echo /usr/bin/chromium
  exit 0
fi

log "no Chromium found for the browser tests: install one (Debian/Ubuntu: apt-get install chromium;"
log "elsewhere: npx playwright-core install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary"
exit 1
