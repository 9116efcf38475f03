#!/bin/sh
# Re-creates this folder from a yaml-test-suite clone or bare mirror at a data tag:
#   tests/data/yaml-test-suite/refresh.sh /path/to/yaml-test-suite [data-2022-01-17]
# Keeps, per case, what crates/core/tests/yaml_suite.rs reads: in.yaml, in.json
# (when the suite has it), the `error` marker, `===` (the title) and test.event
# (the expected events: the test counts a case's documents from it). The
# licence comes from the suite's main branch (the data tags carry none).
set -eu
src=$1
tag=${2:-data-2022-01-17}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$src" archive --format=tar "$tag" | tar -x -C "$tmp"
# Only the case folders go (their names are the suite's 4-character ids).
find "$here" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
cd "$tmp"
find . -path ./name -prune -o -path ./tags -prune -o -name in.yaml -print | LC_ALL=C sort | while read -r f; do
    d=$(dirname "$f")
    mkdir -p "$here/$d"
    for n in in.yaml in.json error === test.event; do
        if [ -e "$d/$n" ]; then cp "$d/$n" "$here/$d/$n"; fi
    done
done
git -C "$src" show main:License > "$here/License"
commit=$(git -C "$src" rev-parse "$tag^{commit}")
date=$(git -C "$src" log -1 --format=%cs "$commit")
cases=$(find "$here" -name in.yaml | wc -l | tr -d ' ')
cat > "$here/SOURCES" <<END
repository: https://github.com/yaml/yaml-test-suite
tag: $tag
commit: $commit
date: $date
cases: $cases
licence: License (MIT), from the repository's main branch
END
