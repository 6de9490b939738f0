/*
 * cli_decisions.c: `revguard decisions`: the decision log that revguardd
 * keeps, read-only, filtered and paged as the API pages it (newest
 * first), as text, JSON, or a summary per repository and rule.  With
 * `--mode observe` the summary is what enforcing would have blocked.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "revguard/clock.h"
#include "revguard/cli_decisions.h"
#include "revguard/config.h"
#include "revguard/duration.h"
#include "revguard/store.h"
#include "revguard/store_sink.h"
#include "revguard/strvec.h"
#include "revguard/vis.h"

#define EXIT_TROUBLE	2
/* --limit by default, and the most a summary reads. */
#define DECISIONS_DEFAULT_LIMIT	50
#define DECISIONS_SUMMARY_MAX	10000000

void
cli_decisions_usage(FILE *f)
{
	fprintf(f,
	    "usage: revguard decisions [--since WHEN] [--until WHEN] "
	    "[--verdict VERDICT]\n"
	    "                          [--repo PATH] [--ref REF] [--rule "
	    "RULE] [--pusher NAME]\n"
	    "                          [--mode enforce|observe] [--summary] "
	    "[--limit N]\n"
	    "                          [--format text|json] [--db PATH | "
	    "--config FILE]\n"
	    "\n"
	    "The decision log revguardd keeps (decisions.path), newest "
	    "first.\n"
	    "\n"
	    "  --since, --until WHEN  a duration ago (30m, 1h, 7d, 2w) or a "
	    "UTC time\n"
	    "                         (2024-06-01 or 2024-06-01T12:00:00); "
	    "until is exclusive\n"
	    "  --verdict VERDICT      accept, reject, error, fail-open, "
	    "fail-closed,\n"
	    "                         observe-reject or bypass\n"
	    "  --repo PATH            the repository (as the hook named it)\n"
	    "  --ref REF              decisions that updated this ref\n"
	    "  --rule RULE            decisions with a diagnostic of this "
	    "rule\n"
	    "  --pusher NAME          the pusher's identity\n"
	    "  --mode MODE            enforce or observe; observe summarises "
	    "what enforcing\n"
	    "                         would have blocked (observe-reject), "
	    "per repository\n"
	    "                         and rule\n"
	    "  --summary              counts per repository and rule instead "
	    "of each decision\n"
	    "  --limit N              at most N decisions (default %d)\n"
	    "  --format text|json     output (default text)\n"
	    "  --db PATH              the database (default: decisions.path "
	    "of the\n"
	    "                         configuration)\n"
	    "  --config FILE          the configuration (default "
	    CONFIG_DEFAULT_FILE ");\n"
	    "                         with decisions.postgresql, the "
	    "whole fleet's log\n"
	    "\n"
	    "Exit status: 0 done, 2 usage, configuration or database "
	    "error.\n", DECISIONS_DEFAULT_LIMIT);
}

/* A duration ago, or a UTC date and time; -1 when it is neither. */
static int
parse_when(const char *s, long long *ms)
{
	static const char *const formats[] = { "%Y-%m-%dT%H:%M:%S",
		"%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
		"%Y-%m-%d", NULL };
	struct tm	 tm;
	long long	 ago;
	const char	*end;
	size_t		 i;

	if (duration_parse_long(s, &ago) == 0) {
		*ms = clock_wall_ms() - ago;
		return 0;
	}
	for (i = 0; formats[i] != NULL; i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, formats[i], &tm);
		if (end != NULL && (*end == '\0' || strcmp(end, "Z") == 0)) {
			*ms = (long long)timegm(&tm) * 1000;
			return 0;
		}
	}
	return -1;
}

static void
print_time(FILE *f, long long ms)
{
	time_t		 t = (time_t)(ms / 1000);
	struct tm	 tm;
	char		 buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fputs(buf, f);
}

/* A pusher-controlled string, made safe for a terminal. */
static const char *
safe(const char *s, char *buf, size_t len)
{
	if (s == NULL)
		return "-";
	vis_escape(buf, len, s, strlen(s), 0);
	return buf;
}

static void
short_id(char *out, const char *id)
{
	snprintf(out, 13, "%s", id ? id : "?");
}

static void
print_text(const struct store_decision *d)
{
	char	 a[1024], b[1024], c[1024], o[16], n[16];
	size_t	 i;

	print_time(stdout, d->time_ms);
	printf("  %-14s %s  %s  (%s%s%s, %lld ms, %s)\n", d->verdict,
	    safe(d->repository, a, sizeof(a)), d->pusher ? safe(d->pusher, b,
	    sizeof(b)) : "(no identity)", d->source ? d->source : "?",
	    d->mode ? " " : "", d->mode ? d->mode : "", d->duration_ms,
	    safe(d->node, c, sizeof(c)));
	for (i = 0; i < d->nrefs; i++) {
		short_id(o, d->refs[i].old_id);
		short_id(n, d->refs[i].new_id);
		printf("    %s %s..%s %s%s%s\n", safe(d->refs[i].ref, a,
		    sizeof(a)), o, n, d->refs[i].verdict ? d->refs[i].verdict :
		    "?", d->refs[i].reason ? ": " : "", d->refs[i].reason ?
		    safe(d->refs[i].reason, b, sizeof(b)) : "");
	}
	for (i = 0; i < d->ndiags; i++) {
		if (d->diags[i].file != NULL && d->diags[i].line > 0)
			snprintf(c, sizeof(c), " %s:%d:", d->diags[i].file,
			    d->diags[i].line);
		else if (d->diags[i].file != NULL)
			snprintf(c, sizeof(c), " %s:", d->diags[i].file);
		else
			c[0] = '\0';
		printf("      %s %s%s%s %s\n", d->diags[i].severity ?
		    d->diags[i].severity : "?", d->diags[i].rule,
		    d->diags[i].old ? " (old)" : "", safe(c, a, sizeof(a)),
		    safe(d->diags[i].message, b, sizeof(b)));
	}
	if (d->error != NULL)
		printf("    not checked: %s\n", safe(d->error, a, sizeof(a)));
	if (d->bypass_reason != NULL)
		printf("    bypass: %s\n", safe(d->bypass_reason, a,
		    sizeof(a)));
}

/* One summary row: repository, rule, decisions that had it. */
struct row {
	char		*repository;
	char		*rule;
	unsigned long	 n;
};

struct rows {
	struct row	*items;
	size_t		 len;
};

static int
rows_add(struct rows *r, const char *repo, const char *rule)
{
	void	*grown;
	size_t	 i;

	for (i = 0; i < r->len; i++)
		if (strcmp(r->items[i].repository, repo) == 0 &&
		    strcmp(r->items[i].rule, rule) == 0) {
			r->items[i].n++;
			return 0;
		}
	if ((grown = reallocarray(r->items, r->len + 1, sizeof(*r->items))) ==
	    NULL)
		return -1;
	r->items = grown;
	r->items[r->len].repository = strdup(repo);
	r->items[r->len].rule = strdup(rule);
	r->items[r->len].n = 1;
	if (r->items[r->len].repository == NULL ||
	    r->items[r->len].rule == NULL)
		return -1;
	r->len++;
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row	*x = a, *y = b;
	int			 c = strcmp(x->repository, y->repository);

	if (c != 0)
		return c;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->rule, y->rule);
}

/* Each rule counted once per decision and repository. */
static int
summarise(struct rows *rows, const struct store_decision *d)
{
	size_t	 i, j;
	int	 seen;

	if (d->ndiags == 0)
		return rows_add(rows, d->repository, d->error ?
		    "(not checked)" : "(no diagnostic)");
	for (i = 0; i < d->ndiags; i++) {
		for (seen = 0, j = 0; j < i; j++)
			if (strcmp(d->diags[j].rule, d->diags[i].rule) == 0)
				seen = 1;
		if (!seen && rows_add(rows, d->repository, d->diags[i].rule) ==
		    -1)
			return -1;
	}
	return 0;
}

static void
print_summary(struct rows *rows, unsigned long decisions, int json,
    int observe)
{
	char	 a[1024];
	json_t	*j, *list;
	size_t	 i;

	if (rows->len > 1)
		qsort(rows->items, rows->len, sizeof(*rows->items), row_cmp);
	if (json) {
		list = json_array();
		for (i = 0; i < rows->len; i++)
			json_array_append_new(list, json_pack("{s:s, s:s, "
			    "s:I}", "repository", rows->items[i].repository,
			    "rule", rows->items[i].rule, "decisions",
			    (json_int_t)rows->items[i].n));
		j = json_pack("{s:I, s:o}", "decisions", (json_int_t)decisions,
		    "by_repository_and_rule", list);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
		return;
	}
	if (observe)
		printf("What enforcing would have blocked: %lu pushes "
		    "(observe-reject)\n", decisions);
	else
		printf("%lu decisions\n", decisions);
	if (rows->len > 0)
		printf("%-8s  %-28s  %s\n", "PUSHES", "RULE", "REPOSITORY");
	for (i = 0; i < rows->len; i++)
		printf("%-8lu  %-28s  %s\n", rows->items[i].n,
		    rows->items[i].rule, safe(rows->items[i].repository, a,
		    sizeof(a)));
}

/*
 * The database: --db, or the configuration's: the fleet's PostgreSQL
 * (decisions.postgresql, in *pg) when it has one, else decisions.path.
 */
static int
resolve_db(const char *db, const char *config_path, char **out, char **pg)
{
	struct config	 cfg;
	char		 err[1024];

	if (db != NULL) {
		*out = strdup(db);
		return *out ? 0 : -1;
	}
	if (config_init_flags(&cfg, CONFIG_NO_PATTERNS) == -1)
		return -1;
	if (config_path == NULL && access(CONFIG_DEFAULT_FILE, F_OK) == 0)
		config_path = CONFIG_DEFAULT_FILE;
	if (config_path != NULL && config_load_file(&cfg, config_path, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "revguard: %s\n", err);
		config_free(&cfg);
		return -1;
	}
	if (!store_sink_off(cfg.decisions.postgresql)) {
		*pg = strdup(cfg.decisions.postgresql);
		config_free(&cfg);
		return *pg ? 0 : -1;
	}
	if (store_sink_off(cfg.decisions.path)) {
		fprintf(stderr, "revguard: the decision log is off "
		    "(decisions.path in %s)\n", config_path ? config_path :
		    "the built-in defaults");
		config_free(&cfg);
		return -1;
	}
	*out = strdup(cfg.decisions.path);
	config_free(&cfg);
	return *out ? 0 : -1;
}

int
cli_decisions_main(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "verdict", required_argument, NULL, 'v' },
		{ "repo", required_argument, NULL, 'r' },
		{ "ref", required_argument, NULL, 'R' },
		{ "rule", required_argument, NULL, 'l' },
		{ "pusher", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "summary", no_argument, NULL, 'S' },
		{ "limit", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_filter	 f;
	struct store_page	 page;
	struct store		*st = NULL;
	struct rows		 rows = { NULL, 0 };
	const char		*db = NULL, *config_path = NULL;
	const char		*format = "text";
	char			 err[1024], *path = NULL, *pg = NULL;
	char			*cursor = NULL, *end;
	json_t			*out = NULL;
	unsigned long long	 limit = DECISIONS_DEFAULT_LIMIT, shown = 0;
	int			 ch, summary = 0, json, rv = EXIT_TROUBLE;
	size_t			 i;

	memset(&f, 0, sizeof(f));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'u':
			if (parse_when(optarg, ch == 's' ? &f.since_ms :
			    &f.until_ms) == -1) {
				fprintf(stderr, "revguard: --%s `%s`: not a "
				    "duration (1h, 7d) or a UTC time "
				    "(2024-06-01T12:00:00)\n", ch == 's' ?
				    "since" : "until", optarg);
				return EXIT_TROUBLE;
			}
			if (ch == 's')
				f.has_since = 1;
			else
				f.has_until = 1;
			break;
		case 'v': f.verdict = optarg; break;
		case 'r': f.repository = optarg; break;
		case 'R': f.ref = optarg; break;
		case 'l': f.rule = optarg; break;
		case 'p': f.pusher = optarg; break;
		case 'm':
			if (strcmp(optarg, "enforce") != 0 &&
			    strcmp(optarg, "observe") != 0) {
				fprintf(stderr, "revguard: --mode must be "
				    "enforce or observe\n");
				return EXIT_TROUBLE;
			}
			f.mode = optarg;
			break;
		case 'S': summary = 1; break;
		case 'n':
			limit = strtoull(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    limit == 0 || limit > DECISIONS_SUMMARY_MAX) {
				fprintf(stderr, "revguard: --limit must be a "
				    "number from 1 to %d\n",
				    DECISIONS_SUMMARY_MAX);
				return EXIT_TROUBLE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 &&
			    strcmp(optarg, "json") != 0) {
				fprintf(stderr, "revguard: --format must be "
				    "text or json\n");
				return EXIT_TROUBLE;
			}
			format = optarg;
			break;
		case 'd': db = optarg; break;
		case 'c': config_path = optarg; break;
		case 'h': cli_decisions_usage(stdout); return 0;
		default:
			fprintf(stderr, "(`revguard decisions --help` lists "
			    "the options)\n");
			return EXIT_TROUBLE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "revguard: decisions: unexpected argument "
		    "`%s`\n", argv[optind]);
		return EXIT_TROUBLE;
	}
	if (db != NULL && config_path != NULL) {
		fprintf(stderr, "revguard: --db and --config: give one\n");
		return EXIT_TROUBLE;
	}
	json = strcmp(format, "json") == 0;
	/* Observe mode's question: what would enforcing have blocked? */
	if (f.mode != NULL && strcmp(f.mode, "observe") == 0) {
		summary = 1;
		if (f.verdict == NULL)
			f.verdict = STORE_OBSERVE_REJECT;
	}
	if (summary)
		limit = DECISIONS_SUMMARY_MAX;
	if (resolve_db(db, config_path, &path, &pg) == -1)
		goto done;
	if (pg != NULL)
		st = store_pg_open(pg, err, sizeof(err));
	else
		st = store_sqlite_open_flags(path, STORE_SQLITE_READONLY, err,
		    sizeof(err));
	if (st == NULL) {
		fprintf(stderr, "revguard: %s\n", err);
		goto done;
	}
	if (json && !summary)
		out = json_array();
	f.limit = STORE_PAGE_MAX;
	do {
		f.cursor = cursor;
		if (limit - shown < STORE_PAGE_MAX)
			f.limit = (size_t)(limit - shown);
		if (store_query(st, &f, &page, err, sizeof(err)) == -1) {
			fprintf(stderr, "revguard: %s\n", err);
			goto done;
		}
		for (i = 0; i < page.ndecisions; i++, shown++) {
			if (summary) {
				if (summarise(&rows, &page.decisions[i]) ==
				    -1) {
					fprintf(stderr, "revguard: out of "
					    "memory\n");
					store_page_clear(&page);
					goto done;
				}
			} else if (json)
				json_array_append_new(out, store_decision_json(
				    &page.decisions[i]));
			else
				print_text(&page.decisions[i]);
		}
		free(cursor);
		cursor = page.next_cursor;
		page.next_cursor = NULL;
		store_page_clear(&page);
	} while (cursor != NULL && shown < limit);
	if (summary)
		print_summary(&rows, (unsigned long)shown, json,
		    f.mode != NULL && strcmp(f.mode, "observe") == 0);
	else if (json) {
		json_t	*j = json_pack("{s:o, s:o}", "decisions", out,
			    "next_cursor", cursor ? json_string(cursor) :
			    json_null());

		out = NULL;
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else if (shown == 0)
		fprintf(stderr, "revguard: no decisions match\n");
	else if (cursor != NULL)
		fprintf(stderr, "revguard: %llu newest shown; --limit shows "
		    "more\n", shown);
	rv = 0;
done:
	for (i = 0; i < rows.len; i++) {
		free(rows.items[i].repository);
		free(rows.items[i].rule);
	}
	free(rows.items);
	json_decref(out);
	free(cursor);
	free(path);
	free(pg);
	store_close(st);
	return rv;
}
