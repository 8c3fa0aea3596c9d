#!/usr/bin/env bash
# Install the Debian packages NetSafe's tests and reports need, when missing.
# Runs as root or through sudo; does nothing when everything is present.
set -euo pipefail

# command-that-proves-it-is-there:debian-package
wanted=(
  mcopy:mtools
  mkfs.vfat:dosfstools
  mke2fs:e2fsprogs
  ewfacquire:ewf-tools
  ewfverify:ewf-tools
  hashdeep:hashdeep
  chromium:chromium
  fls:sleuthkit
  ntfscp:ntfs-3g
  mkfs.exfat:exfatprogs
  photorec:testdisk
  msgfmt:gettext
  sgdisk:gdisk
)
missing=()
for pair in "${wanted[@]}"; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
# WeasyPrint needs Pango at run time.
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
# The E01 media check reads through libewf's C library: it reports chunk checksum failures,
# which the Python binding does not.
ldconfig -p 2>/dev/null | grep -q 'libewf.so.2' || missing+=(libewf2)
# python-magic needs libmagic.
ldconfig -p 2>/dev/null | grep -q 'libmagic.so.1' || missing+=(libmagic1)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
