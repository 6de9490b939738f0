#!/bin/sh
# Migrations that show Python another revision graph than their plain
# `name = literal` lines (a binding inside an `if` block, a utf-7 coding
# cookie hiding a line in a comment) are rejected at `git push` with a
# parse-error naming the line; then the parser is compared with Python on
# every known bypass (tests/parse_bypass.py).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

start_daemon d
S="--socket $T/d.sock"

bare_repo srv/app.git $S
gen repo app --count 4 --seed 41 >/dev/null
git_quiet -C app remote add origin "$T/srv/app.git"
push app origin main
expect "good history accepted" 0 "main -> main"
h=$(head_of app)

# hidden_migration DIR REV PARENT SLUG TAIL: a migration whose plain lines
# say PARENT, followed by the text TAIL.
hidden_migration() {
	add_migration "$1" "$2" "$3" "$4"
	printf '%s' "$5" >>"$1/migrations/versions/$2_$4.py"
}

# 1. A parent assigned inside a module-level block: Python sees
# down_revision = 'ffffffffffff', the text at the top shows h.
r1=$(rand_id)
hidden_migration app "$r1" "$h" sneaky "
if True:
    down_revision = 'ffffffffffff'
"
commit_all app "down_revision rebound inside an if block"
push app origin main
expect "binding inside an if block rejected, naming file and line" 1 \
    "remote: migrations/versions/${r1}_sneaky.py:19: error[parse-error]: down_revision is bound or used where revguard cannot follow it" \
    "pre-receive hook declined"
git_quiet -C app reset -q --hard HEAD~1

# 2. utf-7: "+AAo-" in a comment is a newline to Python, so the comment
# hides a real `down_revision = ...` line.
r2=$(rand_id)
add_migration app "$r2" "$h" encoded
f="app/migrations/versions/${r2}_encoded.py"
{ printf '# -*- coding: utf-7 -*-\n'; cat "$f"
  printf "# +AAo-down_revision = 'ffffffffffff'\n"; } >"$f.new"
mv "$f.new" "$f"
commit_all app "utf-7 coding cookie"
push app origin main
expect "utf-7 coding cookie rejected, naming file and line" 1 \
    "remote: migrations/versions/${r2}_encoded.py:1: error[parse-error]: coding cookie names encoding \`utf-7\`" \
    "pre-receive hook declined"
# Python really reads another parent from that file.
if "$PYTHON" -c 'import runpy, sys
g = runpy.run_path(sys.argv[1])
sys.exit(g["down_revision"] != "ffffffffffff")' "$f" 2>/dev/null; then
	ok "Python reads the hidden down_revision from the utf-7 file"
else
	not_ok "Python reads the hidden down_revision from the utf-7 file"
fi
git_quiet -C app reset -q --hard HEAD~1

# 3. A legal migration that uses the names inside functions still passes.
r3=$(rand_id)
hidden_migration app "$r3" "$h" locals "
def helper():
    revision = 'not the module attribute'
    return dict(revision=revision)
"
commit_all app "local variable named revision"
push app origin main
expect "local names inside functions are accepted" 0 "main -> main"

stop_daemon d

# 4. The parser against Python on every known bypass and Alembic's own
# templates (TAP lines are renumbered into this test's plan).
"$PYTHON" "$top_srcdir/tests/parse_bypass.py" "$REVGUARD" "$T/diff" \
    >"$T/diff.tap" 2>&1
diff_rc=$?
total=$(grep -c '^ok\|^not ok' "$T/diff.tap")
bad=$(grep -c '^not ok' "$T/diff.tap")
if [ "$diff_rc" -eq 0 ] && [ "$bad" -eq 0 ] && [ "$total" -ge 60 ]; then
	ok "parse_bypass.py: $total checks against Python pass"
else
	not_ok "parse_bypass.py: $bad of $total checks against Python fail"
	grep -A3 '^not ok' "$T/diff.tap" | sed 's/^/# /' | head -40
fi
finish
