#!/usr/bin/env bash
# Takes the screenshots in guide/images/ from a real build of the sample portfolio, with
# judgements of each kind recorded by `senco review`. CI runs it before `mdbook build`;
# nothing compares the pictures. Needs Chromium, pdftoppm (poppler-utils) and `npm ci` in
# tests/machine/browser.
# Usage: bash guide/screenshots.sh [path/to/senco]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
senco=${1:-target/debug/senco}
[[ -x $senco ]] || cargo build --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r portfolio-template "$work/portfolio"
review() { "$senco" review "$work/portfolio" --assessor "Dr A Tutor" --date 2025-01-02 "$@" >/dev/null; }
review --evidence evidence/2024-03-12-reflection-on-a-provision-map.md --judgement meets \
    --comment "A clear account of the graduated approach, with a review date for every intervention."
review --evidence evidence/2024-05-20-meeting-with-the-educational-psychologist.md \
    --outcome B8.1 --judgement partially-meets --comment "Say what you did with the advice."
review --evidence evidence/2024-05-20-meeting-with-the-educational-psychologist.md \
    --outcome B8.3 --judgement ready
"$senco" build "$work/portfolio" -o "$work/site" >/dev/null
images="$PWD/guide/images"

# The whole portfolio as one PDF: its second page (the coverage summary) as a picture.
"$senco" pdf "$work/portfolio" -o "$work/portfolio.pdf" --today 2025-01-10 -q
pdftoppm -png -r 70 -f 2 -l 2 -singlefile "$work/portfolio.pdf" "$images/assessor-pdf"

# Reviewing in the browser: the form `senco serve --review` adds to an evidence page.
"$senco" serve "$work/portfolio" --review --assessor "Dr A Tutor" >"$work/serve.out" 2>&1 &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    url=$(grep -o 'http://[^ ]*/' "$work/serve.out" || true)
    [[ -n $url ]] && break
    sleep 0.2
done
[[ -n $url ]] || { cat "$work/serve.out" >&2; exit 1; }

(cd tests/machine/browser && SITE_DIR="$work/site" SERVE_URL="$url" OUT_DIR="$images" node screenshots.mjs)
