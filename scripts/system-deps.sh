#!/usr/bin/env bash
# Install the Debian packages the tests need: a PostgreSQL server (the tests start their own
# throwaway cluster with scripts/pg.sh), Chromium (the browser tests drive it headless) and
# hunspell-nl (its Dutch word list, for the spelling step of scripts/ablation.py).
# A fast no-op when everything is there; needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(postgresql chromium chromium-driver hunspell-nl)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present: ${packages[*]}"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Installing them needs root. Run: sudo bash scripts/system-deps.sh" >&2
  echo "(or: sudo apt-get install --no-install-recommends ${missing[*]})" >&2
  exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
started=$SECONDS
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for package in "${missing[@]}"; do
  if ! installed "$package"; then
    echo "apt-get did not install $package" >&2
    exit 1
  fi
done
echo "installed ${missing[*]} in $((SECONDS - started)) s"
