#!/usr/bin/env bash
# System packages for PDF reports and their tests: HarfBuzz subsetting (fast font embedding),
# Noto CJK + Thai fonts, poppler (pdftoppm/pdffonts) and Chromium for the HTML test; and the
# PostgreSQL server, whose initdb/postgres the team-store tests run a throwaway cluster with
# (tests/pg_server.py; the package's own "main" cluster on port 5432 is left alone).
# Installs them when root with apt; otherwise says what to run. Never fails the build.
set -u
report_pkgs="libharfbuzz-subset0 fonts-noto-cjk fonts-noto-core poppler-utils chromium"
server_pkgs="postgresql"
missing=""
for p in $report_pkgs $server_pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages for PDF reports and the PostgreSQL tests:$missing"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing) >/tmp/exportkit-apt.log 2>&1 \
    || echo "warning: apt-get could not install$missing (see /tmp/exportkit-apt.log); the tests that need them will be skipped."
else
  echo "note: for PDF reports in Chinese and Thai, and the PostgreSQL tests, install:$missing"
  echo "      sudo apt-get install --no-install-recommends$missing"
  echo "      (without the fonts PDFs fall back to DejaVu and the font tests are skipped;"
  echo "       without postgresql the PostgreSQL tests are skipped)"
fi
exit 0
