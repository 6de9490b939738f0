#!/bin/sh
# Each git host for real: bare repositories laid out as GitLab (Gitaly's
# custom_hooks, the global hooks directory) and Gitea/Forgejo (its
# delegating hooks/pre-receive and pre-receive.d/gitea, its "resynchronize
# hooks") lay them out, revguardd running, the hook installed with
# `install-hook --host`, and real pushes carrying the variables each host
# sets.  Asserts the exact output each host shows: GitLab's web UI keeps
# only `GL-HOOK-ERR:` lines (emulated with GitLab's own filter), a
# refusal starts with one short line, identity goes first to the daemon.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

start_daemon d
S="--socket $T/d.sock"

gen repo app --count 6 --seed 21 >/dev/null
h=$(head_of app)
git_quiet -C app checkout -q -b bad
add_migration app a1b2c3d4e5f6 "$h" flags
commit_all app "hand-picked id"
git_quiet -C app checkout -q main
BADFILE=migrations/versions/a1b2c3d4e5f6_flags.py

# push_env DIR URL REFSPEC VAR=value...: a push whose receive-pack (and
# so the hook) runs with the variables the host would set.
push_env() {
	dir=$1 url=$2 spec=$3
	shift 3
	env "$@" git -C "$dir" push "$url" "$spec" >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
}
# remote_lines: the hook's lines of the last push, `remote: ` removed.
remote_lines() {
	sed -n 's/^remote: //p' "$T/err" | sed 's/ *$//' |
	    grep -v '^$' >"$T/remote" || true
}
# first_line_is DESC LINE: the hook's first line is exactly LINE.
first_line_is() {
	remote_lines
	got=$(head -n 1 "$T/remote")
	if [ "$got" = "$2" ]; then ok "$1"; else
		not_ok "$1 (first line \`$got\`)"; diag "$T/remote"; fi
}

# --- GitLab ----------------------------------------------------------------
# Gitaly runs, for pre-receive: custom_hooks/pre-receive, then every
# executable custom_hooks/pre-receive.d/* (not *~) in order, then the
# global custom_hooks_dir's pre-receive.d/*, stopping at the first that
# fails.  hooks/pre-receive stands in for Gitaly here.  GitLab's web UI
# then keeps the lines matching ^(GitLab:|GL-HOOK-ERR:)\s*(.+) (its
# PreReceiveError) and shows the rest of each: webui.txt.
GLOBAL="$T/gitaly-hooks"
mkdir -p "$GLOBAL"
gitaly_repo() {
	git -c init.defaultBranch=main init -q --bare "$1"
	git -C "$1" config gitlab.fullpath "$2"
	cat >"$1/hooks/pre-receive" <<SH
#!/bin/sh
# Gitaly stand-in: its custom hook order, output kept for the web UI.
in=\$(mktemp) out=\$(mktemp)
cat >"\$in"
status=0
for h in "\$GIT_DIR/custom_hooks/pre-receive" \\
    "\$GIT_DIR"/custom_hooks/pre-receive.d/* "$GLOBAL"/pre-receive.d/*; do
	case \$h in *~) continue ;; esac
	[ -f "\$h" ] && [ -x "\$h" ] || continue
	"\$h" <"\$in" >>"\$out" 2>&1 || { status=\$?; break; }
done
cat "\$out" >&2
: >"$T/webui.txt"
[ \$status -eq 0 ] || sed -n -E 's/^(GitLab:|GL-HOOK-ERR:)[[:space:]]*(.+)/\\2/p' \\
    "\$out" >"$T/webui.txt"
rm -f "\$in" "\$out"
exit \$status
SH
	chmod +x "$1/hooks/pre-receive"
}
GL="GL_ID=user-7 GL_USERNAME=alice GL_PROJECT_PATH=acme/billing \
GL_PROTOCOL=ssh GL_REPOSITORY=project-7 USER=git"
GLREPO=srv/@hashed/6b/86/6b86b273ff34fce19d6b804eff5a3f57.git
gitaly_repo $GLREPO acme/billing
cp $GLREPO/hooks/pre-receive gitaly.before

rg install-hook --host gitlab --repo $GLREPO -- $S
expect "install-hook --host gitlab: custom_hooks/pre-receive.d/revguard" 0 \
    "installed $T/$GLREPO/custom_hooks/pre-receive.d/revguard" \
    "install it on every Gitaly node" "Geo does not replicate"
if [ -x $GLREPO/custom_hooks/pre-receive.d/revguard ] &&
    grep -q "'--host' 'gitlab'" $GLREPO/custom_hooks/pre-receive.d/revguard &&
    cmp -s gitaly.before $GLREPO/hooks/pre-receive; then
	ok "the hook is executable, says --host gitlab, Gitaly's hook untouched"
else
	not_ok "the hook is executable, says --host gitlab, Gitaly's hook untouched"
	diag $GLREPO/custom_hooks/pre-receive.d/revguard
fi
rg install-hook --host gitlab --repo $GLREPO -- $S
expect "install-hook --host gitlab again: already installed" 0 \
    "is already installed"

push_env app "$T/$GLREPO" main $GL
expect "GitLab: a good push is accepted" 0 "main -> main"
if grep -q 'GL-HOOK-ERR' "$T/err"; then
	not_ok "GitLab: an accepted push prints no GL-HOOK-ERR line"
	diag "$T/err"
else
	ok "GitLab: an accepted push prints no GL-HOOK-ERR line"
fi
if grep -q "$T/$GLREPO by alice (GL_USERNAME) accepted" d.log; then
	ok "GitLab: the daemon names the pusher by GL_USERNAME, not USER"
else
	not_ok "GitLab: the daemon names the pusher by GL_USERNAME, not USER"
	diag d.log
fi

push_env app "$T/$GLREPO" bad:main $GL
expect "GitLab: a broken migration is rejected" 1 \
    "GL-HOOK-ERR: $BADFILE:9: error[placeholder-id]" "pre-receive hook declined"
first_line_is "GitLab: first line is short, with rule, file and branch" \
    "GL-HOOK-ERR: revguard: acme/billing: push rejected: error[placeholder-id] in $BADFILE:9 on main"
if ! grep -qv '^GL-HOOK-ERR: ' "$T/remote"; then
	ok "GitLab: every line of a refusal carries GL-HOOK-ERR:"
else
	not_ok "GitLab: every line of a refusal carries GL-HOOK-ERR:"
	diag "$T/remote"
fi
sed 's/^GL-HOOK-ERR: *//' "$T/remote" >webui.want
if cmp -s webui.want "$T/webui.txt" && [ -s webui.want ]; then
	ok "GitLab's web UI filter keeps every line ($(wc -l <webui.want))"
else
	not_ok "GitLab's web UI filter keeps every line"
	diag "$T/webui.txt"
fi
if [ "$(head -n 1 "$T/webui.txt")" = "revguard: acme/billing: push rejected: error[placeholder-id] in $BADFILE:9 on main" ]; then
	ok "GitLab web UI: the first line names rule, file and branch"
else
	not_ok "GitLab web UI: the first line names rule, file and branch"
	diag "$T/webui.txt"
fi

# A web merge (GL_PROTOCOL=web): the same lines; the decision log keeps
# the reason when GitLab loses them (its issues 346146, 342607).
push_env app "$T/$GLREPO" bad:main GL_ID=user-7 GL_USERNAME=alice \
    GL_PROJECT_PATH=acme/billing GL_PROTOCOL=web GL_REPOSITORY=project-7
first_line_is "GitLab web merge: the same short first line" \
    "GL-HOOK-ERR: revguard: acme/billing: push rejected: error[placeholder-id] in $BADFILE:9 on main"
if grep -q "$T/$GLREPO by alice (GL_USERNAME) rejected: refs/heads/main=reject" d.log; then
	ok "GitLab web merge: the daemon's log keeps who and why"
else
	not_ok "GitLab web merge: the daemon's log keeps who and why"; diag d.log
fi

# Detection: a plain install, GitLab's variables: GitLab's format.
bare_repo srv/plain.git $S
push_env app "$T/srv/plain.git" bad:main $GL
first_line_is "detected from GL_*: GitLab's format without --host" \
    "GL-HOOK-ERR: revguard: acme/billing: push rejected: error[placeholder-id] in $BADFILE:9 on main"
push_env app "$T/srv/plain.git" bad:main USER=git
expect "plain git: rejected" 1 "error[placeholder-id]"
first_line_is "plain git: the output is unchanged (no summary, no prefix)" \
    "refs/heads/main: rejected (7 migrations, 1 error, 0 warnings)"
remote_lines
if grep -q "^revguard: .*rejected: error" "$T/remote"; then
	not_ok "plain git: no web-UI summary line"; diag "$T/remote"
else ok "plain git: no web-UI summary line"; fi

bare_repo srv/forced.git $S --host git
push_env app "$T/srv/forced.git" bad:main $GL
remote_lines
if grep -q GL-HOOK-ERR "$T/remote"; then
	not_ok "--host git overrides GL_* detection"; diag "$T/remote"
else ok "--host git overrides GL_* detection"; fi
printf 'hook:\n  socket: %s\n  host: gitea\n' "$T/d.sock" >gitea-host.yaml
bare_repo srv/cfghost.git --config "$T/gitea-host.yaml"
push_env app "$T/srv/cfghost.git" bad:main $GL GITEA_REPO_USER_NAME=o \
    GITEA_REPO_NAME=r
first_line_is "hook.host: gitea in the configuration wins over detection" \
    "revguard: o/r: push rejected: error[placeholder-id] in $BADFILE:9 on main"
printf 'hook:\n  host: bitbucket\n' >bad-host.yaml
rg check --config bad-host.yaml --worktree app
expect "hook.host: an unknown host names file, line and value" 2 \
    "bad-host.yaml:2:9: \`host\` must be auto, git, github, gitlab or gitea (forgejo), not \`bitbucket\`"
echo "0000000000000000000000000000000000000000 $(git -C app rev-parse main) refs/heads/x" |
    "$REVGUARD" hook --host bitbucket >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect "--host with an unknown host: usage error" 2 \
    "--host must be git, github, gitlab or gitea, not \`bitbucket\`"

# The hook's own messages follow the host too.
bare_repo srv/gldown.git --socket "$T/nobody.sock"
push_env app "$T/srv/gldown.git" main $GL
remote_lines
if [ "$(cat "$T/rc")" = 1 ] && ! grep -qv '^GL-HOOK-ERR: ' "$T/remote" &&
    grep -q '^GL-HOOK-ERR: revguard: cannot check this push' "$T/remote"; then
	ok "GitLab, daemon down: the refusal carries GL-HOOK-ERR: too"
else
	not_ok "GitLab, daemon down: the refusal carries GL-HOOK-ERR: too"
	diag "$T/remote"
fi
bare_repo srv/glopen.git --socket "$T/nobody.sock" --on-unavailable accept
push_env app "$T/srv/glopen.git" main $GL
remote_lines
if [ "$(cat "$T/rc")" = 0 ] && ! grep -q GL-HOOK-ERR "$T/remote" &&
    grep -q 'WARNING: migrations were NOT checked' "$T/remote"; then
	ok "GitLab, fail-open: the accepted push's warning has no prefix"
else
	not_ok "GitLab, fail-open: the accepted push's warning has no prefix"
	diag "$T/remote"
fi

# Gitaly's global hooks directory: every project.
rg install-hook --host gitlab --server-hooks-dir "$GLOBAL" -- $S
expect "install-hook --server-hooks-dir: DIR/pre-receive.d/revguard" 0 \
    "installed $GLOBAL/pre-receive.d/revguard"
GL2=srv/@hashed/d4/73/d4735e3a265e16eee03f59718b9b5d03.git
gitaly_repo $GL2 acme/ledger
push_env app "$T/$GL2" bad:main GL_ID=user-8 GL_USERNAME=carol \
    GL_PROJECT_PATH=acme/ledger GL_PROTOCOL=http GL_REPOSITORY=project-8
first_line_is "GitLab global hook: a project without its own is guarded" \
    "GL-HOOK-ERR: revguard: acme/ledger: push rejected: error[placeholder-id] in $BADFILE:9 on main"
rg install-hook --host gitlab --server-hooks-dir "$GLOBAL" --repo $GL2
expect "--server-hooks-dir with --repo: usage error" 2 \
    "goes with --host gitlab and without --repo"

# --- Gitea / Forgejo -------------------------------------------------------
# gitea_resync REPO: what Gitea's "Resynchronize pre-receive, update and
# post-receive hooks of all repositories" (createDelegateHooks) does to
# each repository: for each hook it removes and rewrites hooks/NAME (the
# delegating script below, Gitea's template) and hooks/NAME.d/gitea
# (`gitea hook ... NAME`; a stand-in that records it ran).  Nothing
# else in hooks/NAME.d/ is touched.
gitea_resync() {
	for name in pre-receive update post-receive; do
		mkdir -p "$1/hooks/$name.d"
		rm -f "$1/hooks/$name" "$1/hooks/$name.d/gitea"
		if [ $name = update ]; then
			run='"${hook}" $1 $2 $3'; read_in=
		else
			run='echo "${data}" | "${hook}"'; read_in='data=$(cat)'
		fi
		cat >"$1/hooks/$name" <<SH
#!/usr/bin/env bash
# AUTO GENERATED BY GITEA, DO NOT MODIFY
$read_in
exitcodes=""
hookname=\$(basename \$0)
GIT_DIR=\${GIT_DIR:-\$(dirname \$0)/..}

for hook in \${GIT_DIR}/hooks/\${hookname}.d/*; do
	test -x "\${hook}" && test -f "\${hook}" || continue
	$run
	exitcodes="\${exitcodes} \$?"
done

for i in \${exitcodes}; do
	[ \${i} -eq 0 ] || exit \${i}
done
SH
		cat >"$1/hooks/$name.d/gitea" <<SH
#!/usr/bin/env bash
# AUTO GENERATED BY GITEA, DO NOT MODIFY
cat >/dev/null
echo $name >>"$T/gitea-ran"
SH
		chmod 0777 "$1/hooks/$name" "$1/hooks/$name.d/gitea"
	done
}
GT="GITEA_REPO_USER_NAME=acme GITEA_REPO_NAME=billing GITEA_REPO_ID=9 \
GITEA_REPO_IS_WIKI=false GITEA_PUSHER_NAME=bob GITEA_PUSHER_EMAIL=bob@example.invalid \
GITEA_PUSHER_ID=3 GITEA_KEY_ID=0 GITEA_PR_ID=0 USER=git"
GTREPO=srv/gitea/acme/billing.git
mkdir -p srv/gitea/acme
git -c init.defaultBranch=main init -q --bare $GTREPO
gitea_resync $GTREPO
cp $GTREPO/hooks/pre-receive.d/gitea gitea.before

rg install-hook --repo $GTREPO -- $S
expect "plain install into Gitea's layout: refused, says use --host gitea" 2 \
    "exists and is not this hook" "use \`revguard install-hook --host gitea\`"
rg install-hook --host gitea --repo $GTREPO -- $S
expect "install-hook --host gitea: hooks/pre-receive.d/revguard" 0 \
    "installed $T/$GTREPO/hooks/pre-receive.d/revguard"
if cmp -s gitea.before $GTREPO/hooks/pre-receive.d/gitea &&
    grep -q 'AUTO GENERATED BY GITEA' $GTREPO/hooks/pre-receive; then
	ok "Gitea's own hook and delegating script are left alone"
else
	not_ok "Gitea's own hook and delegating script are left alone"
fi

: >gitea-ran
push_env app "$T/$GTREPO" main $GT
expect "Gitea: a good push is accepted" 0 "main -> main"
if grep -q pre-receive gitea-ran; then ok "Gitea: its own hook ran too"
else not_ok "Gitea: its own hook ran too"; fi
if grep -q "$T/$GTREPO by bob (GITEA_PUSHER_NAME) accepted" d.log; then
	ok "Gitea: the daemon names the pusher by GITEA_PUSHER_NAME"
else not_ok "Gitea: the daemon names the pusher by GITEA_PUSHER_NAME"; diag d.log; fi

push_env app "$T/$GTREPO" bad:main $GT
expect "Gitea: a broken migration is rejected" 1 \
    "$BADFILE:9: error[placeholder-id]" "pre-receive hook declined"
first_line_is "Gitea: first line is short, with rule, file and branch" \
    "revguard: acme/billing: push rejected: error[placeholder-id] in $BADFILE:9 on main"
if grep -q GL-HOOK-ERR "$T/err"; then not_ok "Gitea: no GitLab prefix"
else ok "Gitea: no GitLab prefix"; fi

# A pull request merged in the web UI: Gitea pushes with GITEA_PR_ID set
# to the pull request's database ID (not its #number).
push_env app "$T/$GTREPO" bad:main GITEA_REPO_USER_NAME=acme \
    GITEA_REPO_NAME=billing GITEA_PUSHER_NAME=bob GITEA_PR_ID=42 \
    GITEA_PUSH_TRIGGER=pr-merge-to-base
first_line_is "Gitea web merge: the pull request is named" \
    "revguard: acme/billing: merge of pull request id 42 rejected: error[placeholder-id] in $BADFILE:9 on main"

# Resynchronize hooks: hooks/pre-receive and pre-receive.d/gitea are
# rewritten, pre-receive.d/revguard survives and still guards.
gitea_resync $GTREPO
if [ -x $GTREPO/hooks/pre-receive.d/revguard ]; then
	ok "Gitea resync: pre-receive.d/revguard survives"
else not_ok "Gitea resync: pre-receive.d/revguard survives"; fi
push_env app "$T/$GTREPO" bad:main $GT
expect "Gitea resync: the push is still checked and rejected" 1 \
    "error[placeholder-id]"
# A hook in hooks/pre-receive itself (a plain install --force) does not.
bare_repo srv/gitea-plain.git $S
gitea_resync srv/gitea-plain.git
push_env app "$T/srv/gitea-plain.git" bad:main $GT
expect "Gitea resync: a plain hooks/pre-receive is gone, nothing checks" 0 \
    "bad -> main"

git -c init.defaultBranch=main init -q --bare srv/nogitea.git
rg install-hook --host gitea --repo srv/nogitea.git -- $S
expect "install-hook --host gitea without Gitea's script: refused" 2 \
    "is not Gitea's delegating script" "Resynchronize"
rg install-hook --host github --repo srv/nogitea.git
expect "install-hook --host github: says where GHE hooks come from" 2 \
    "docs/github-enterprise.md"

# --- GitHub Enterprise variables (the ghe slice has the rest) -----------
# GitHub Enterprise hooks run in-process (they cannot reach a daemon).
bare_repo srv/gh.git --in-process
push_env app "$T/srv/gh.git" bad:main GITHUB_USER_LOGIN=dave \
    GITHUB_REPO_NAME=acme/billing GITHUB_VIA="pull request merge button"
first_line_is "GitHub: detected, a merge button refusal starts short" \
    "revguard: acme/billing: push rejected: error[placeholder-id] in $BADFILE:9 on main"

stop_daemon d
finish
