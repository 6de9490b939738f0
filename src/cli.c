/*
 * cli.c: the `revguard` command: check, heads and graph over a commit in
 * a repository (read from the object database) or over a working tree on
 * disk.  Exit status: 0 clean, 1 violations, 2 usage, configuration or
 * I/O error.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/cli_decisions.h"
#include "revguard/config.h"
#include "revguard/doctor.h"
#include "revguard/engine.h"
#include "revguard/fs.h"
#include "revguard/hook.h"
#include "revguard/judge.h"
#include "revguard/install.h"
#include "revguard/odb.h"
#include "revguard/path.h"
#include "revguard/serve.h"
#include "revguard/report.h"

#define EXIT_VIOLATIONS	1
#define EXIT_TROUBLE	2

enum command {
	CMD_CHECK,
	CMD_HEADS,
	CMD_GRAPH,
	CMD_BASELINE,
	CMD_DOCTOR
};

struct cli {
	enum command	 cmd;
	const char	*repo;
	const char	*rev;
	const char	*base;		/* --base: judge only what changed */
	const char	*worktree;
	const char	*config_path;
	const char	*format;
	int		 write;		/* baseline --write */
	struct config	 cfg;
};

static const char *const cmd_names[] = { "check", "heads", "graph",
    "baseline", "doctor" };

/* The options of check, heads and graph, for --help. */
static const char *const cmd_help[] = {
	/* CMD_CHECK */
	"usage: revguard check [--repo DIR] [--rev REV] [--base REV] "
	"[--path DIR]...\n"
	"                      [--config FILE] [--format text|json]\n"
	"       revguard check --worktree DIR [--path DIR]... [--config FILE]"
	"\n"
	"                      [--format text|json]\n"
	"\n"
	"Checks the Alembic migrations of commit REV, or of the files on "
	"disk.\n"
	"\n"
	"  -r, --repo DIR       the git repository (default .)\n"
	"  -R, --rev REV        the commit to check (default HEAD)\n"
	"  -b, --base REV       a pull request from REV: problems in "
	"migrations not\n"
	"                       added or changed since REV are warnings\n"
	"  -w, --worktree DIR   check the files under DIR instead (no "
	"symbolic link\n"
	"                       below DIR is followed)\n"
	"  -p, --path DIR       the versions directory (repeatable; default: "
	"versions_path\n"
	"                       in the configuration, else alembic.ini)\n"
	"  -c, --config FILE    configuration (see revguard.yaml(5))\n"
	"  -f, --format FORMAT  text (default) or json\n"
	"  -h, --help           this help\n"
	"      --version        print the version\n"
	"\n"
	"Exit status: 0 clean, 1 violations, 2 usage, configuration or I/O "
	"error.\n",
	/* CMD_HEADS */
	"usage: revguard heads [--repo DIR] [--rev REV] [--path DIR]... "
	"[--config FILE]\n"
	"       revguard heads --worktree DIR [--path DIR]... [--config FILE]"
	"\n"
	"\n"
	"Prints the head revisions of the migration graph, one a line.\n"
	"\n"
	"  -r, --repo DIR       the git repository (default .)\n"
	"  -R, --rev REV        the commit to read (default HEAD)\n"
	"  -w, --worktree DIR   read the files under DIR instead\n"
	"  -p, --path DIR       the versions directory (repeatable)\n"
	"  -c, --config FILE    configuration (see revguard.yaml(5))\n"
	"  -h, --help           this help\n"
	"      --version        print the version\n"
	"\n"
	"Exit status: 0 done, 2 usage, configuration or I/O error.\n",
	/* CMD_GRAPH */
	"usage: revguard graph [--format dot|json] [--repo DIR] [--rev REV] "
	"[--path DIR]...\n"
	"                      [--config FILE]\n"
	"       revguard graph [--format dot|json] --worktree DIR "
	"[--path DIR]...\n"
	"                      [--config FILE]\n"
	"\n"
	"Prints the migration graph as Graphviz dot (default) or JSON.\n"
	"\n"
	"  -r, --repo DIR       the git repository (default .)\n"
	"  -R, --rev REV        the commit to read (default HEAD)\n"
	"  -w, --worktree DIR   read the files under DIR instead\n"
	"  -p, --path DIR       the versions directory (repeatable)\n"
	"  -c, --config FILE    configuration (see revguard.yaml(5))\n"
	"  -f, --format FORMAT  dot (default) or json\n"
	"  -h, --help           this help\n"
	"      --version        print the version\n"
	"\n"
	"Exit status: 0 done, 2 usage, configuration or I/O error.\n",
	/* CMD_BASELINE */
	"usage: revguard baseline [--worktree DIR] [--path DIR]... "
	"[--config FILE] [--write]\n"
	"\n"
	"Lists today's debt as a baseline file: every revision ID a problem "
	"names,\n"
	"after the IDs the file already lists.  Commit the file to "
	"grandfather them;\n"
	"new problems are still reported.\n"
	"\n"
	"  -w, --worktree DIR   the work tree (default .)\n"
	"  -p, --path DIR       the versions directory (repeatable)\n"
	"  -c, --config FILE    configuration (baseline_file names the file)"
	"\n"
	"      --write          write the file instead of printing it\n"
	"  -h, --help           this help\n"
	"      --version        print the version\n"
	"\n"
	"Exit status: 0 done, 2 usage, configuration or I/O error.\n",
	/* CMD_DOCTOR */
	"usage: revguard doctor [--repo DIR] [--config FILE]\n"
	"\n"
	"Says what a push to the repository would check, on which refs, "
	"with which\n"
	"configuration, and every reason it might not: no hook where git "
	"runs hooks,\n"
	"a daemon that does not answer, an unborn default branch, guarded "
	"branches\n"
	"with nothing to check.  Reads only.\n"
	"\n"
	"  -r, --repo DIR       the git repository (default .)\n"
	"  -c, --config FILE    the configuration the hook and daemon use\n"
	"  -h, --help           this help\n"
	"      --version        print the version\n"
	"\n"
	"Exit status: 0 nothing in the way, 1 something is, 2 usage or I/O "
	"error.\n"
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: revguard check [--repo DIR] [--rev REV] [--base REV] "
	    "[--path DIR]...\n"
	    "                      [--config FILE] [--format text|json]\n"
	    "       revguard check --worktree DIR [--path DIR]... [--config "
	    "FILE]\n"
	    "       revguard heads [--repo DIR [--rev REV] | --worktree DIR]"
	    "\n"
	    "       revguard graph [--format dot|json] [--repo DIR [--rev "
	    "REV] | --worktree DIR]\n"
	    "       revguard baseline [--worktree DIR] [--config FILE] "
	    "[--write]\n"
	    "       revguard doctor [--repo DIR] [--config FILE]\n"
	    "       revguard hook [--config FILE] [--socket PATH] [--timeout "
	    "DURATION]\n"
	    "                     [--on-unavailable reject|accept] "
	    "[--in-process]\n"
	    "       revguard install-hook [--repo DIR] [--force] [-- "
	    "HOOK-OPTIONS...]\n"
	    "       revguard decisions [--since WHEN] [--verdict V] [--repo "
	    "PATH] [--mode M]\n"
	    "                          [--format text|json] [--db PATH | "
	    "--config FILE] ...\n"
	    "       revguard COMMAND --help\n"
	    "       revguard --version\n");
}

/* A usage error in a command: what was wrong, then how to ask. */
static void
cmd_usage_error(const struct cli *c)
{
	fprintf(stderr, "%s(`revguard %s --help` lists the options)\n",
	    cmd_help[c->cmd], cmd_names[c->cmd]);
}

static int
parse_args(struct cli *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "rev", required_argument, NULL, 'R' },
		{ "base", required_argument, NULL, 'b' },
		{ "path", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "worktree", required_argument, NULL, 'w' },
		{ "write", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct strvec			 paths = STRVEC_INIT;
	char				 err[1024];
	int				 ch;

	while ((ch = getopt_long(argc, argv, "r:R:b:p:c:f:w:h", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r': c->repo = optarg; break;
		case 'R': c->rev = optarg; break;
		case 'b': c->base = optarg; break;
		case 'p': strvec_push(&paths, optarg); break;
		case 'c': c->config_path = optarg; break;
		case 'f': c->format = optarg; break;
		case 'w': c->worktree = optarg; break;
		case 'W':
			if (c->cmd != CMD_BASELINE) {
				fprintf(stderr, "revguard: --write goes with "
				    "`revguard baseline`\n");
				goto bad;
			}
			c->write = 1;
			break;
		case 'h':
			fputs(cmd_help[c->cmd], stdout);
			strvec_clear(&paths);
			exit(0);
		case 'V':
			printf("revguard %s\n", PACKAGE_VERSION);
			strvec_clear(&paths);
			exit(0);
		default: goto bad;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "revguard: unexpected argument `%s`\n",
		    argv[optind]);
		goto bad;
	}
	if (c->cmd == CMD_DOCTOR && (c->worktree || c->rev || c->base ||
	    c->format || paths.len > 0)) {
		fprintf(stderr, "revguard: doctor takes --repo and --config "
		    "only\n");
		goto bad;
	}
	if (c->cmd == CMD_BASELINE && (c->repo || c->rev || c->base)) {
		fprintf(stderr, "revguard: baseline reads the work tree "
		    "(--worktree DIR, default .)\n");
		goto bad;
	}
	if (c->cmd == CMD_BASELINE && c->worktree == NULL)
		c->worktree = ".";
	if (c->cmd != CMD_CHECK && c->base != NULL) {
		fprintf(stderr, "revguard: --base is an option of `revguard "
		    "check` only\n");
		goto bad;
	}
	if (c->cmd == CMD_HEADS && c->format != NULL) {
		fprintf(stderr, "revguard: `revguard heads` has no --format\n");
		goto bad;
	}
	if (c->worktree && (c->repo || c->rev || c->base)) {
		fprintf(stderr, "revguard: --worktree reads files on disk; it "
		    "does not go with --repo, --rev or --base\n");
		goto bad;
	}
	if (c->format != NULL && !(c->cmd == CMD_GRAPH ?
	    strcmp(c->format, "dot") == 0 || strcmp(c->format, "json") == 0 :
	    strcmp(c->format, "text") == 0 || strcmp(c->format, "json") == 0)) {
		fprintf(stderr, "revguard: unknown --format `%s`\n",
		    c->format);
		goto bad;
	}
	if (c->config_path != NULL && config_load_file(&c->cfg,
	    c->config_path, err, sizeof(err)) == -1) {
		fprintf(stderr, "revguard: %s\n", err);
		strvec_clear(&paths);
		exit(EXIT_TROUBLE);
	}
	if (paths.len > 0) {
		strvec_clear(&c->cfg.versions_paths);
		c->cfg.versions_paths = paths;
	}
	return 0;
bad:
	strvec_clear(&paths);
	cmd_usage_error(c);
	return -1;
}

/* The revision IDs a baseline file lists (first word of each line). */
static void
read_baseline_ids(const char *path, struct strvec *ids)
{
	char	 line[1024];
	size_t	 n;
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "#")] = '\0';
		n = strspn(line, " \t");
		line[n + strcspn(line + n, " \t\r\n")] = '\0';
		if (line[n] != '\0' && !strvec_contains(ids, line + n))
			(void)strvec_push(ids, line + n);
	}
	fclose(f);
}

/*
 * Today's debt as a baseline file: every revision a diagnostic names,
 * with its rules, after the IDs the file already held (their problems no
 * longer show, so they must stay).  To stdout, or with --write into the
 * work tree.
 */
static int
write_baseline(struct cli *c, const struct engine_result *r)
{
	char		 err[1024];
	size_t		 errlen = sizeof(err);
	struct strvec	 ids = STRVEC_INIT;
	char		*path = NULL, *tmp = NULL;
	size_t		 i, j, kept, unnamed = 0;
	FILE		*f = stdout;
	int		 rv = -1;

	if ((path = path_join(c->worktree, c->cfg.baseline_file)) == NULL ||
	    (tmp = xasprintf("%s.tmp", path)) == NULL)
		goto oom;
	read_baseline_ids(path, &ids);
	kept = ids.len;
	for (i = 0; i < r->diags.len; i++) {
		const struct diag	*d = &r->diags.items[i];

		unnamed += d->revisions.len == 0;
		for (j = 0; j < d->revisions.len; j++)
			if (!strvec_contains(&ids, d->revisions.items[j]) &&
			    strvec_push(&ids, d->revisions.items[j]) == -1)
				goto oom;
	}
	if (c->write && (f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "cannot write `%s`: %s", tmp,
		    strerror(errno));
		goto done;
	}
	fprintf(f, "# revguard baseline: revision IDs whose problems are "
	    "grandfathered.\n# Written by `revguard baseline --write`; "
	    "new problems are still reported.\n");
	for (i = 0; i < ids.len; i++) {
		fprintf(f, "%s  #%s", ids.items[i], i < kept ? " kept" : "");
		for (j = 0; j < r->diags.len; j++)
			if (strvec_contains(&r->diags.items[j].revisions,
			    ids.items[i]))
				fprintf(f, " %s", rule_name(
				    r->diags.items[j].rule));
		fputc('\n', f);
	}
	if (c->write) {
		if (fclose(f) != 0 || rename(tmp, path) == -1) {
			f = NULL;
			snprintf(err, errlen, "cannot write `%s`: %s", path,
			    strerror(errno));
			goto done;
		}
		printf("revguard: %s lists %zu revision ID%s (%zu new); "
		    "commit it\n", path, ids.len, ids.len == 1 ? "" : "s",
		    ids.len - kept);
	}
	f = NULL;
	if (unnamed > 0)
		fprintf(stderr, "revguard: %zu problem%s name%s no revision "
		    "(a file that does not parse, say) and cannot be "
		    "baselined\n", unnamed, unnamed == 1 ? "" : "s",
		    unnamed == 1 ? "s" : "");
	rv = 0;
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	if (rv == -1)
		fprintf(stderr, "revguard: %s\n", err);
	if (f != NULL && f != stdout)
		fclose(f);
	strvec_clear(&ids);
	free(path);
	free(tmp);
	return rv == 0 ? 0 : EXIT_TROUBLE;
}

static int
emit(struct cli *c, const struct engine_result *r, const char *commit)
{
	struct report_subject	 s = { c->worktree ? NULL : c->repo,
				    c->worktree ? NULL : c->rev, c->base,
				    commit, c->worktree };
	json_t			*j = NULL;

	switch (c->cmd) {
	case CMD_CHECK:
		if (c->format != NULL && strcmp(c->format, "json") == 0)
			j = report_json(r, &s);
		else
			report_text(stdout, r);
		break;
	case CMD_HEADS:
		report_heads(stdout, r);
		break;
	case CMD_BASELINE:
		return write_baseline(c, r);
	case CMD_DOCTOR:		/* doctor_run reports on its own */
		break;
	case CMD_GRAPH:
		if (c->format != NULL && strcmp(c->format, "json") == 0)
			j = report_graph_json(r);
		else
			report_graph_dot(stdout, r);
		break;
	}
	if (j != NULL) {
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
	}
	if (c->cmd == CMD_CHECK)
		return diag_count(&r->diags, RULE_SEV_ERROR) > 0 ?
		    EXIT_VIOLATIONS : 0;
	return 0;
}

/* Judges the work tree on disk (pre-commit): the files, no git. */
static int
run_worktree(struct cli *c, struct judge_result *j, char *err,
    size_t errlen)
{
	struct judge_opts	 jo;
	struct fs_tree		 ft = { -1 };
	int			 rv;

	memset(&jo, 0, sizeof(jo));
	jo.cfg = config_for_repository(&c->cfg, c->worktree);
	jo.engine.policy = &jo.cfg->policy;
	jo.full = jo.trust_head = 1;
	jo.ops = &fs_source_ops;
	if (fs_tree_open(&ft, c->worktree, err, errlen) == -1)
		return -1;
	jo.head = &ft;
	rv = judge_run(&jo, j, err, errlen);
	fs_tree_close(&ft);
	return rv;
}

/*
 * Judges --rev (against --base) on the same road a push takes
 * (serve.c), as one update: the same admission, `repositories:` entry
 * and judgement as the daemon and the in-process hook.
 */
static int
run_commit(struct cli *c, struct push_result *res, char *commit,
    char *err, size_t errlen)
{
	struct serve_opts	 so;
	struct push_request	 req;
	struct odb		*db;
	struct odb_snapshot	*snap;
	char			 base[ODB_OID_HEXMAX + 1];
	int			 rv = -1;

	memset(&req, 0, sizeof(req));
	memset(&so, 0, sizeof(so));
	snprintf(base, sizeof(base), "%040d", 0);
	if ((db = odb_open(c->repo, NULL, err, errlen)) == NULL)
		return -1;
	/* The request names commits, as git's would. */
	if ((snap = odb_snapshot_open(db, c->rev, commit, err,
	    errlen)) == NULL)
		goto done;
	odb_snapshot_free(snap);
	if (c->base != NULL) {
		if ((snap = odb_snapshot_open(db, c->base, base, err,
		    errlen)) == NULL)
			goto done;
		odb_snapshot_free(snap);
	}
	if ((req.repository = strdup(c->repo)) == NULL ||
	    push_request_add_update(&req, base, commit, c->rev) == -1) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	so.cfg = &c->cfg;
	so.cli = 1;
	rv = serve_request(&so, &req, res, err, errlen);
done:
	push_request_clear(&req);
	odb_free(db);
	return rv;
}

static int
run(struct cli *c)
{
	struct judge_result	 j;
	struct push_result	 res;
	struct push_ref_result	*ref = NULL;
	struct engine_result	 view;
	char			 err[1024] = "", commit[ODB_OID_HEXMAX + 1] = "";
	int			 rv = EXIT_TROUBLE, git = c->worktree == NULL;
	int			 git_up = 0;

	memset(&j, 0, sizeof(j));
	memset(&res, 0, sizeof(res));
	if (!git) {
		if (run_worktree(c, &j, err, sizeof(err)) == -1)
			goto fail;
	} else {
		if (c->repo == NULL)
			c->repo = ".";
		if (c->rev == NULL)
			c->rev = "HEAD";
		if (odb_global_init(0) == -1) {
			snprintf(err, sizeof(err), "cannot initialise libgit2");
			goto fail;
		}
		git_up = 1;
		if (run_commit(c, &res, commit, err, sizeof(err)) == -1)
			goto fail;
		ref = &res.refs[0];
	}
	if (git ? ref->outcome == PUSH_NOT_CHECKED :
	    j.verdict == JUDGE_NOT_CHECKED) {
		snprintf(err, sizeof(err), "not checked: %s", git ?
		    ref->reason : j.reason);
		goto fail;
	}
	if (git ? ref->outcome == PUSH_REFUSED : j.verdict == JUDGE_REFUSED) {
		fprintf(stderr, "revguard: error: %s\n", git ? ref->reason :
		    j.reason);
		rv = EXIT_VIOLATIONS;
		goto done;
	}
	if (git) {
		view = *ref->check;
		view.diags = ref->diags;
	}
	rv = emit(c, git ? &view : &j.check, commit[0] ? commit : NULL);
	goto done;
fail:
	fprintf(stderr, "revguard: %s\n", err);
done:
	judge_free(&j);
	push_result_clear(&res);
	if (git_up)
		odb_global_shutdown();
	return rv;
}

/* `revguard hook --in-process`: the daemon's road, in the hook. */
static int
in_process_check(const struct config *cfg, const struct push_request *req,
    struct push_result *res, char *err, size_t errlen)
{
	struct serve_opts	 so;
	int			 rv;

	if (odb_global_init(0) == -1) {
		snprintf(err, errlen, "cannot initialise libgit2");
		return -1;
	}
	memset(&so, 0, sizeof(so));
	so.cfg = cfg;
	rv = serve_request(&so, req, res, err, errlen);
	odb_global_shutdown();
	return rv;
}

int
main(int argc, char **argv)
{
	struct cli	 c;
	int		 rv;

	memset(&c, 0, sizeof(c));
	/* Installed as (or linked to) hooks/pre-receive. */
	if (strcmp(path_basename(argv[0]), "pre-receive") == 0)
		return hook_main(argc, argv, in_process_check);
	if (argc >= 2 && strcmp(argv[1], "hook") == 0)
		return hook_main(argc - 1, argv + 1, in_process_check);
	if (argc >= 2 && strcmp(argv[1], "install-hook") == 0)
		return install_hook_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "decisions") == 0)
		return cli_decisions_main(argc - 1, argv + 1);
	if (argc < 2) {
		usage(stderr);
		return EXIT_TROUBLE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("revguard %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "check") == 0)
		c.cmd = CMD_CHECK;
	else if (strcmp(argv[1], "heads") == 0)
		c.cmd = CMD_HEADS;
	else if (strcmp(argv[1], "graph") == 0)
		c.cmd = CMD_GRAPH;
	else if (strcmp(argv[1], "baseline") == 0)
		c.cmd = CMD_BASELINE;
	else if (strcmp(argv[1], "doctor") == 0)
		c.cmd = CMD_DOCTOR;
	else {
		fprintf(stderr, "revguard: unknown command `%s`\n", argv[1]);
		usage(stderr);
		return EXIT_TROUBLE;
	}
	if (config_init(&c.cfg) == -1) {
		fprintf(stderr, "revguard: out of memory\n");
		return EXIT_TROUBLE;
	}
	if (parse_args(&c, argc - 1, argv + 1) == -1) {
		config_free(&c.cfg);
		return EXIT_TROUBLE;
	}
	if (c.cmd == CMD_DOCTOR)
		rv = doctor_run(&c.cfg, c.config_path, c.repo ? c.repo : ".");
	else
		rv = run(&c);
	config_free(&c.cfg);
	return rv;
}
