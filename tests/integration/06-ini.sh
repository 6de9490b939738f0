#!/bin/sh
# alembic.ini is read as Alembic 1.8.1 reads it (through Python's
# configparser): a differential test against Alembic itself over
# generated and mutated files, then real pushes through revguardd that
# try to show revguard another versions directory than Alembic's.
. "$(dirname "$0")/lib.sh"
corpus=
if [ -n "${INI_CORPUS:-}" ]; then
	corpus="--corpus $(cd "$INI_CORPUS" && pwd)" || exit 1
fi
cd "$T" || exit 1
mkdir -p srv

# --- differential: the C core against Alembic's own reading -------------
if ! "$PYTHON" -c 'import alembic' 2>/dev/null; then
	echo "not ok 1 - python3-alembic is not installed (apt-get install python3-alembic)"
	echo "1..1"
	exit 1
fi
# shellcheck disable=SC2086
if PYTHONUTF8=1 "$PYTHON" "$top_srcdir/tests/ini_differential.py" \
    --probe "$top_builddir/tests/ini_probe" --seed "${INI_SEED:-6}" \
    --cases "${INI_CASES:-3000}" --keep "$T/disagree" $corpus \
    >diff.log 2>&1; then
	ok "alembic.ini differential: $(tail -1 diff.log)"
else
	not_ok "alembic.ini differential (files in $T/disagree)"; diag diff.log
fi

# --- real pushes ----------------------------------------------------------
start_daemon d
S="--socket $T/d.sock"
bare_repo srv/ini.git $S
gen repo app --count 6 --seed 61 >/dev/null
git_quiet -C app remote add origin "$T/srv/ini.git"
push app origin main
expect "a clean history is accepted" 0 "main -> main"
base=$(git -C app rev-parse HEAD)

# A decoy directory with one clean migration, named by a later section
# `[alembic]x]`.  configparser's header regex is greedy: that is the
# section "alembic]x", and Alembic keeps reading `migrations`.
h=$(head_of app)
mkdir -p app/decoy/migrations/versions
add_migration app/decoy "$(rand_id)" "" decoy
cat >>app/alembic.ini <<'INI'

[alembic]x]
script_location = %(here)s/decoy/migrations
INI
add_migration app a1b2c3d4e5f6 "$h" flags
commit_all app "hand-picked id behind a second [alembic]x] section"
push app origin main
expect "[alembic]x] does not hide the real migrations: rejected" 1 \
    "remote: migrations/versions/a1b2c3d4e5f6_flags.py:9: error[placeholder-id]" \
    "pre-receive hook declined"
git_quiet -C app reset --hard "$base"

# A repeated [alembic] section: configparser (strict) refuses the file,
# Alembic cannot run; revguard names the file and line instead of
# picking one of the two.
h=$(head_of app)
mkdir -p app/decoy/migrations/versions
add_migration app/decoy "$(rand_id)" "" decoy
printf '\n[alembic]\nscript_location = %%(here)s/decoy/migrations\n' \
    >>app/alembic.ini
add_migration app a1b2c3d4e5f7 "$h" flags
commit_all app "hand-picked id behind a repeated [alembic] section"
n=$(grep -n '^\[alembic\]$' app/alembic.ini | tail -1 | cut -d: -f1)
push app origin main
expect "a repeated [alembic] section is rejected with its line" 1 \
    "alembic.ini:$n:" "section [alembic] is repeated" \
    "pre-receive hook declined"
git_quiet -C app reset --hard "$base"

# What configparser accepts is read like configparser: DEFAULT
# inheritance, `:` as delimiter, an upper-case key, CRLF, a comment
# inside a continued value, and a later `[alembic]x]` that is ignored.
h=$(head_of app)
printf '[DEFAULT]\r\nbase = %%(here)s\r\n[alembic]\r\nSCRIPT_LOCATION : %%(base)s/migrations\r\nsqlalchemy.url = sqlite://\r\n# a comment\r\n    ?mode=ro\r\n[alembic]x]\r\nscript_location = decoy\r\n' \
    >app/alembic.ini
r=$(rand_id)
add_migration app "$r" "$h" next
commit_all app "same directory, written differently"
push app origin main
expect "an unusual but valid alembic.ini is read like Alembic" 0 \
    "main -> main"
add_migration app b1b2b3b4b5b6 "$r" flags
commit_all app "hand-picked id"
push app origin main
expect "...and still guards the real directory" 1 \
    "error[placeholder-id]" "pre-receive hook declined"

stop_daemon d
finish
