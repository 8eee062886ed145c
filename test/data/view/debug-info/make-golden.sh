#!/bin/sh
# Regenerates expected/*.txt with the real babeltrace2 (run from the repository root):
# each case of cases.json is `babeltrace2 --clock-gmt ARGS traces/TRACE`, with TZ=UTC.
# mismatch.txt: the nodebug trace with a prefix where prog is the debug build (another build ID).
set -eu
D=test/data/view/debug-info
node -e '
const cases = require("./'$D'/cases.json");
for (const c of cases) console.log([c.name, c.trace, ...c.args].join("\t"));
' | while IFS="$(printf '\t')" read -r name trace args; do
  # shellcheck disable=SC2086
  TZ=UTC babeltrace2 --clock-gmt $args "$D/traces/$trace" > "$D/expected/$name.txt"
done
tmp=$(mktemp -d)
mkdir -p "$tmp/tmp/ttng-dbgi/nodebug"
cp "$D/root/tmp/ttng-dbgi/debug/prog" "$tmp/tmp/ttng-dbgi/nodebug/prog"
cp "$D/root/tmp/ttng-dbgi/nodebug/libdbgi.so" "$tmp/tmp/ttng-dbgi/nodebug/libdbgi.so"
TZ=UTC babeltrace2 --clock-gmt --debug-info-target-prefix="$tmp" "$D/traces/nodebug" > "$D/expected/mismatch.txt"
rm -rf "$tmp"
