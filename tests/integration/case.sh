#!/usr/bin/env bash
# case.sh HVSCOPE SYNTH_IMAGE CASE_ADD_ACQ - the case database through the CLI,
# on the synthetic guest (tests/fixtures/synth_image.c, raw image):
#   - collect twice, info, log, diff, verify on a clean case;
#   - the custody chain re-computed with only the sqlite3 shell and sha256sum,
#     as docs/case.md tells an outsider to;
#   - verify catches a changed, truncated and missing image, and a custody row
#     edited, deleted, reordered, or cut from the end, after the attacker
#     dropped the append-only triggers;
#   - bad case files (missing, empty, truncated, not SQLite, not a case, from a
#     newer hvscope) give one clear error and exit 1, never a crash, and are
#     never created or changed by info/log/verify/diff;
#   - a collect that fails midway (HVSCOPE_TEST_FAIL_VIEW) stores nothing;
#   - collect --json without --case stores nothing and prints every view;
#   - $HVS_CASE and the default path.
set -uo pipefail
abspath() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }
HVSCOPE=$(abspath "$1")
SYNTH=$(abspath "$2")
ADDACQ=$(abspath "$3")
command -v sqlite3 >/dev/null || { echo "no sqlite3 shell (apt-get install sqlite3): skipped"; exit 77; }

dir=$(mktemp -d /tmp/hvs-case-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
"$SYNTH" --golden synth.raw || exit 1
H() { "$HVSCOPE" "$@"; }
T=(--image synth.raw --cache-dir cache)

passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() {       # check LABEL COMMAND... (succeeds)
	local label=$1
	shift
	if "$@"; then ok "$label"; else bad "$label"; fi
}

# run EXPECTED_RC PATTERN LABEL ARGS...: exit status, and PATTERN (ERE) in stdout+stderr.
run() {
	local want=$1 pattern=$2 label=$3
	shift 3
	H "$@" >out 2>err
	local rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$pattern" out err; then
		ok "$label (exit $rc)"
	else
		bad "$label: exit $rc (wanted $want), /$pattern/ not in:"
		sed 's/^/     | /' out err | head -20
	fi
}

custody_rows() { sqlite3 "$1" "SELECT count(*) FROM custody"; }

# ---- a clean case ----
run 0 '^snapshot 1 in case c1.sqlite' "collect into a new case" collect "${T[@]}" --case c1.sqlite --label first
check "the case file exists" test -s c1.sqlite
run 0 'ps +14 +processes' "summary counts the synthetic guest's 14 processes" collect "${T[@]}" --case c1.sqlite --label second
run 0 'failed: kernel type' "views the guest cannot give are reported, not fatal" collect "${T[@]}" --case c1.sqlite
check "counts in the case equal the CLI's view" \
	test "$(sqlite3 c1.sqlite 'SELECT count(*) FROM processes WHERE snapshot_id = 1')" = \
	"$(H ps "${T[@]}" --json | grep -c '"task_address"')"
check "the stored ps JSON is what 'hvscope ps --json' prints" \
	test "$(sqlite3 c1.sqlite "SELECT json FROM view_json WHERE snapshot_id = 1 AND view = 'ps'")" = "$(H ps "${T[@]}" --json)"
run 0 'snapshots' "case info" case info --case c1.sqlite
run 0 '"snapshots":\[' "case info --json" case info --case c1.sqlite --json
run 0 ' snapshot +[0-9a-f]{16} [0-9a-f]{16} ' "case log" case log --case c1.sqlite
run 0 'processes \+0 -0 ~0, modules \+0 -0 ~0, sockets \+0 -0 ~0' "diff of two readings of one image is empty" \
	case diff 1 2 --case c1.sqlite
run 0 '"changes":\[' "case diff --json" case diff 1 2 --case c1.sqlite --json
run 1 'no snapshot 9' "diff with a snapshot that does not exist" case diff 1 9 --case c1.sqlite
run 1 'invalid snapshot id' "diff with a bad id" case diff 1 x --case c1.sqlite
run 0 '^OK: case c1.sqlite: 4 custody rows' "verify a clean case" case verify --case c1.sqlite

# ---- the chain, re-verified by an outsider (docs/case.md) ----
prev=0000000000000000000000000000000000000000000000000000000000000000
chain_ok=1
for seq in $(sqlite3 c1.sqlite "SELECT seq FROM custody ORDER BY seq"); do
	h=$(sqlite3 -batch -noheader -list -newline '' c1.sqlite "
SELECT 'hvscope-custody-v1' || char(10)
    || length(CAST(prev_hash AS BLOB)) || ':' || prev_hash || char(10)
    || seq || char(10) || ts_ns || char(10)
    || length(CAST(actor AS BLOB)) || ':' || actor || char(10)
    || length(CAST(host AS BLOB)) || ':' || host || char(10)
    || length(CAST(tool_version AS BLOB)) || ':' || tool_version || char(10)
    || length(CAST(action AS BLOB)) || ':' || action || char(10)
    || length(CAST(args_json AS BLOB)) || ':' || args_json || char(10)
    || coalesce(length(CAST(result_sha256 AS BLOB)) || ':' || result_sha256, '-') || char(10)
FROM custody WHERE seq = $seq" | sha256sum | cut -c1-64)
	stored=$(sqlite3 c1.sqlite "SELECT hash || ' ' || prev_hash FROM custody WHERE seq = $seq")
	[ "$stored" = "$h $prev" ] || { chain_ok=0; echo "     | seq $seq: computed $h prev $prev, stored $stored"; }
	prev=$h
done
check "custody chain re-computed with sqlite3 + sha256sum" test "$chain_ok" = 1
# A snapshot's content hash is the "snapshots" entry of its custody row.
check "the custody row of snapshot 1 records its content hash" test \
	"$(sqlite3 c1.sqlite "SELECT json_extract(r.value, '$.sha256') FROM custody, json_each(custody.args_json, '$.rows') r
	    WHERE json_extract(r.value, '$.table') = 'snapshots' AND json_extract(r.value, '$.first') = 1")" = \
	"$(sqlite3 c1.sqlite 'SELECT content_sha256 FROM snapshots WHERE id = 1')"

# ---- an image: recorded, then tampered ----
head -c 100000 /dev/urandom >mem.img
sha=$(sha256sum mem.img | cut -c1-64)
aid=$("$ADDACQ" c1.sqlite mem.img "$sha")
check "an acquisition recorded through the library (id $aid: after the 3 snapshots' own)" test "$aid" = 4
run 0 '^OK: .* 1 files \(100000 bytes\) re-hashed; 0 problems' "verify re-hashes the image" case verify --case c1.sqlite
cp mem.img mem.orig
printf 'X' | dd of=mem.img bs=1 seek=5000 conv=notrunc status=none
run 1 "acquisitions row $aid sha256: recorded $sha, found [0-9a-f]{64}" "verify catches one changed byte of the image" \
	case verify --case c1.sqlite
head -c 99999 mem.orig >mem.img
run 1 "acquisitions row $aid size: recorded 100000, found 99999" "verify catches a truncated image" case verify --case c1.sqlite
rm mem.img
run 1 "file '.*/mem.img' is missing" "verify catches a missing image" case verify --case c1.sqlite
cp mem.orig mem.img
run 0 '0 problems' "the image restored verifies again" case verify --case c1.sqlite
printf 'Y' | dd of=mem.img bs=1 seek=7 conv=notrunc status=none
run 1 '"kind":"image",' "verify --json lists the problem" case verify --case c1.sqlite --json
cp mem.orig mem.img
run 0 '"ok":true' "verify --json --record on the clean case" case verify --case c1.sqlite --json --record
check "verify --record appended a 'verify' row" test "$(sqlite3 c1.sqlite "SELECT action FROM custody ORDER BY seq DESC LIMIT 1")" = verify

# ---- custody rows tampered with the sqlite3 shell ----
n=$(custody_rows c1.sqlite)
unguard="DROP TRIGGER custody_no_update; DROP TRIGGER custody_no_delete;"
check "the log refuses an UPDATE while its triggers are there" \
	bash -c '! sqlite3 c1.sqlite "UPDATE custody SET actor = 1 WHERE seq = 1" 2>/dev/null'
check "the log refuses a DELETE while its triggers are there" \
	bash -c '! sqlite3 c1.sqlite "DELETE FROM custody WHERE seq = 1" 2>/dev/null'
cp c1.sqlite t.sqlite && sqlite3 t.sqlite "$unguard UPDATE custody SET actor = 'mallory (0)' WHERE seq = 2"
run 1 'custody row 2 \(snapshot\) was changed' "verify catches an edited log row" case verify --case t.sqlite
run 1 'custody row 2 hash: recorded [0-9a-f]{64}, found [0-9a-f]{64}' "... naming the row, the field, both hashes" \
	case verify --case t.sqlite
cp c1.sqlite t.sqlite && sqlite3 t.sqlite "$unguard DELETE FROM custody WHERE seq = 3"
run 1 'custody rows 3\.\.3 are missing \(deleted\) before row 4' "verify catches a deleted log row" case verify --case t.sqlite
cp c1.sqlite t.sqlite && sqlite3 t.sqlite "$unguard UPDATE custody SET seq = 100 WHERE seq = 2;
	UPDATE custody SET seq = 2 WHERE seq = 3; UPDATE custody SET seq = 3 WHERE seq = 100"
run 1 'custody row 2 does not link to the row before it' "verify catches two log rows swapped" case verify --case t.sqlite
cp c1.sqlite t.sqlite && sqlite3 t.sqlite "$unguard DELETE FROM custody WHERE seq = $n"
run 1 'custody head recorded in meta is not the last row' "verify catches the last log row cut off" case verify --case t.sqlite
cp c1.sqlite t.sqlite && sqlite3 t.sqlite "UPDATE processes SET comm = 'innocent' WHERE snapshot_id = 2 AND pid = 1"
run 1 'snapshot 2: its content .* does not match its stored hash' "verify catches an edited process row" case verify --case t.sqlite
cp c1.sqlite t.sqlite && sqlite3 t.sqlite "INSERT INTO snapshots(taken_ns, paused, source) VALUES (1, 0, 'live')"
run 1 'snapshots row 4 is not in the custody log' "verify catches a snapshot added outside hvscope" case verify --case t.sqlite

# ---- bad case files ----
for cmd in "case info" "case log" "case verify" "case diff 1 2"; do
	# shellcheck disable=SC2086
	run 1 "case 'nope.sqlite' does not exist" "$cmd on a missing case" $cmd --case nope.sqlite
done
check "... and none of them created it" test ! -e nope.sqlite
: >empty.sqlite
run 1 "case 'empty.sqlite' is empty" "an empty file" case info --case empty.sqlite
run 1 "case 'empty.sqlite' is empty" "collect does not turn an empty file into a case" collect "${T[@]}" --case empty.sqlite
check "... and leaves it empty" test ! -s empty.sqlite
head -c $(($(stat -c %s c1.sqlite) / 2)) c1.sqlite >half.sqlite
run 1 "case 'half.sqlite' is truncated: [0-9]+ bytes, its header says [0-9]+" "a truncated case" case verify --case half.sqlite
head -c 60 c1.sqlite >tiny.sqlite
run 1 "truncated" "a case cut inside its header" case info --case tiny.sqlite
printf 'not a database, just some text that is long enough to be looked at by the checks\n%.0s' 1 2 >text.sqlite
cp text.sqlite text.orig
run 1 "'text.sqlite' is not a case: not an SQLite database" "a text file" case log --case text.sqlite
run 1 "not an SQLite database" "collect into a text file" collect "${T[@]}" --case text.sqlite
check "... and leaves it as it was" cmp -s text.sqlite text.orig
sqlite3 other.sqlite "CREATE TABLE x (y)"
run 1 "'other.sqlite' is an SQLite database but not a hvscope case" "an SQLite file that is not a case" \
	case info --case other.sqlite
cp c1.sqlite newer.sqlite && sqlite3 newer.sqlite "PRAGMA user_version = 99"
run 1 "schema version 99, newer than this hvscope" "a case from a newer hvscope" case info --case newer.sqlite
run 1 "schema version 99, newer than this hvscope" "collect refuses a newer case" collect "${T[@]}" --case newer.sqlite
head -c 30000 /dev/urandom >garbage.sqlite
{ printf 'SQLite format 3\0'; head -c 8192 /dev/urandom; } >garbage2.sqlite
for f in garbage.sqlite garbage2.sqlite; do
	for cmd in "case info" "case verify" "case log" "case diff 1 2"; do
		# shellcheck disable=SC2086
		H $cmd --case $f >/dev/null 2>err
		rc=$?
		if [ "$rc" -eq 1 ] && [ "$(wc -l <err)" -ge 1 ]; then ok "$cmd on $f: exit 1: $(head -1 err)"
		else bad "$cmd on $f: exit $rc: $(head -3 err)"; fi
	done
done

# ---- a collect that fails midway leaves the case as it was ----
before=$(custody_rows c1.sqlite)
cp c1.sqlite c1.before
HVSCOPE_TEST_FAIL_VIEW=maps H collect "${T[@]}" --case c1.sqlite >out 2>err
rc=$?
if [ "$rc" -eq 1 ] && grep -q "nothing was stored: case 'c1.sqlite' is as it was" err; then ok "a collect failing at 'maps' exits 1"
else bad "a collect failing at 'maps': exit $rc: $(cat err)"; fi
check "... and stores nothing (custody rows, snapshots, processes)" test \
	"$(custody_rows c1.sqlite) $(sqlite3 c1.sqlite 'SELECT count(*) FROM snapshots; SELECT count(*) FROM processes')" = \
	"$before $(sqlite3 c1.before 'SELECT count(*) FROM snapshots; SELECT count(*) FROM processes')"
run 0 '0 problems' "... and the case still verifies" case verify --case c1.sqlite
HVSCOPE_TEST_FAIL_VIEW=ps H collect "${T[@]}" --case c1.sqlite >/dev/null 2>&1
check "a collect failing at the first view stores nothing either" test "$(custody_rows c1.sqlite)" = "$before"

# ---- collect --json without a case; the default case path ----
mkdir -p sub && cd sub || exit 1
H collect --image ../synth.raw --cache-dir ../cache --json >all.json 2>/dev/null
check "collect --json without --case prints one JSON object with every view" python3 -c '
import json, sys
o = json.load(open("all.json"))
want = {"kernel", "ps", "modules", "net", "files", "mounts", "maps", "creds", "dmesg"}
sys.exit(0 if want <= set(o["views"]) and "env" not in o["views"] and len(o["views"]["ps"]["processes"]) == 14 else 1)'
check "... and creates no case" test ! -e hvscope-case.sqlite
H collect --image ../synth.raw --cache-dir ../cache --env --json >all.json 2>/dev/null
check "collect --env adds the environments" python3 -c '
import json, sys; sys.exit(0 if "env" in json.load(open("all.json"))["views"] else 1)'
run 0 "in case hvscope-case.sqlite" "collect with no --case uses ./hvscope-case.sqlite" collect --image ../synth.raw --cache-dir ../cache
HVS_CASE="$dir/env.sqlite" H collect --image ../synth.raw --cache-dir ../cache >out 2>&1
check "\$HVS_CASE names the case" grep -q "in case $dir/env.sqlite" out
run 0 '"snapshot_id":1' "collect --case --json prints the summary as JSON" collect --image ../synth.raw --cache-dir ../cache \
	--case j.sqlite --json
HVS_CASE="$dir/env.sqlite" H case info >out 2>&1
check "case info reads \$HVS_CASE" grep -q "case $dir/env.sqlite" out
cd .. || exit 1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
