#!/usr/bin/env bash
# Make sure the Debian packages named as arguments are installed, before anything else runs.
#   scripts/system_packages.sh gettext chromium fonts-ipaexfont-gothic
# Each is checked by what the suite uses of it (msgfmt, the chromium command, the IPAex Gothic font files).
# Missing ones are installed with apt-get when running as root; otherwise this stops at once (exit 1) with the
# exact command to run.
set -euo pipefail

installed() {
  case "$1" in
    gettext) command -v msgfmt >/dev/null ;;
    chromium) command -v chromium >/dev/null ;;
    fonts-ipaexfont-gothic)
      [ -e /usr/share/fonts/opentype/ipaexfont-gothic ] || [ -e /usr/share/fonts/truetype/ipaexfont-gothic ] \
        || { command -v fc-list >/dev/null && fc-list 2>/dev/null | grep -qi 'ipaexgothic\|ipaex gothic\|ipaexg'; } ;;
    *) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' ;;
  esac
}

missing=()
for package in "$@"; do
  installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing the system packages the suite needs: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  for package in "${missing[@]}"; do
    installed "$package" || { echo "apt-get installed $package, but it is still not usable" >&2; exit 1; }
  done
  exit 0
fi

echo "Missing system packages: ${missing[*]}. Install them, then run make again:" >&2
echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
exit 1
