/*
 * policy.c: the policy object, its defaults and its compiled patterns.
 * Every configured pattern matches through policy_match, under the PCRE2
 * limits of the policy's match context, so that no pattern a
 * configuration names can make a check backtrack for seconds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/policy.h"

static int
set_str(char **dst, const char *s)
{
	free(*dst);
	return (*dst = strdup(s)) == NULL ? -1 : 0;
}

int
policy_init(struct policy *p)
{
	int	 i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < RULE__COUNT; i++)
		p->severity[i] = rule_default_severity((enum rule_id)i);
	if (set_str(&p->revision_format, POLICY_DEFAULT_REVISION_FORMAT) ||
	    set_str(&p->file_template, POLICY_DEFAULT_FILE_TEMPLATE) ||
	    set_str(&p->merge_marker, POLICY_DEFAULT_MERGE_MARKER) ||
	    strvec_push(&p->documentation, "CHANGELOG.md") ||
	    strvec_push(&p->documentation, "docs/**/*.md"))
		return -1;
	return 0;
}

static pcre2_code *
compile(const char *src, const char *field, char *err, size_t errlen)
{
	pcre2_code	*re;
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 off;
	int		 code;

	re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
	    &code, &off, NULL);
	if (re == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "%s: invalid pattern `%s` at offset "
		    "%zu: %s", field, src, (size_t)off, (char *)msg);
		return NULL;
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static void
policy_uncompile(struct policy *p)
{
	size_t	 i;

	pcre2_code_free(p->revision_format_re);
	p->revision_format_re = NULL;
	pcre2_match_context_free(p->match_ctx);
	p->match_ctx = NULL;
	if (p->placeholder_res != NULL) {
		for (i = 0; p->placeholder_res[i] != NULL; i++)
			pcre2_code_free(p->placeholder_res[i]);
		free(p->placeholder_res);
		p->placeholder_res = NULL;
	}
}

int
policy_compile(struct policy *p, char *err, size_t errlen)
{
	size_t	 i;

	policy_uncompile(p);
	if ((p->match_ctx = pcre2_match_context_create(NULL)) == NULL ||
	    pcre2_set_match_limit(p->match_ctx, POLICY_MATCH_LIMIT) != 0 ||
	    pcre2_set_depth_limit(p->match_ctx, POLICY_DEPTH_LIMIT) != 0 ||
	    pcre2_set_heap_limit(p->match_ctx, POLICY_HEAP_LIMIT_KIB) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((p->revision_format_re = compile(p->revision_format,
	    "revision_format", err, errlen)) == NULL)
		return -1;
	p->placeholder_res = calloc(p->placeholder_patterns.len + 1,
	    sizeof(*p->placeholder_res));
	if (p->placeholder_res == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < p->placeholder_patterns.len; i++)
		if ((p->placeholder_res[i] = compile(
		    p->placeholder_patterns.items[i], "placeholder_patterns",
		    err, errlen)) == NULL)
			return -1;
	return 0;
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	free(p->revision_format);
	free(p->file_template);
	free(p->merge_marker);
	strvec_clear(&p->placeholder_patterns);
	strvec_clear(&p->documentation);
	strvec_clear(&p->baseline);
	policy_uncompile(p);
	memset(p, 0, sizeof(*p));
}

int
policy_match(const struct policy *p, const pcre2_code *re,
    pcre2_match_data *md, const char *s)
{
	int	 rc;

	rc = pcre2_match(re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, md,
	    p->match_ctx);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}
