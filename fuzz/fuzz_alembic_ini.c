/*
 * libFuzzer harness: alembic.ini reading on arbitrary bytes.  Besides
 * memory errors and undefined behaviour, it aborts when a result breaks
 * what the callers rely on: exactly one diagnostic on failure and none
 * on success, and only clean repository-relative directories (no
 * leading '/', no "." or ".." or empty components, no NUL, no trace of
 * the %(here)s marker), the same on a second read.  Whether the result
 * is Alembic's is tests/ini_differential.py's job; it replays a corpus
 * this harness grew (--corpus, or INI_CORPUS for 06-ini.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/alembic_ini.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
clean_dir(const char *d)
{
	const char	*c = d;
	size_t		 n;

	if (*d == '\0')
		return 1;		/* the repository root */
	if (*d == '/' || strchr(d, '\xff') != NULL)
		return 0;
	for (;;) {
		n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (c[n] == '\0')
			return 1;
		c += n + 1;
	}
}

static void
check(const char *path, const uint8_t *data, size_t len)
{
	struct strvec		 dirs = STRVEC_INIT, again = STRVEC_INIT;
	struct diag_list	 d = DIAG_LIST_INIT, d2 = DIAG_LIST_INIT;
	enum alembic_ini_status	 st, st2;
	size_t			 i;

	st = alembic_ini_read(path, (const char *)data, len, &dirs, &d);
	if (st == ALEMBIC_INI_NOMEM)
		goto done;
	if (st == ALEMBIC_INI_OK ? d.len != 0 || dirs.len == 0 :
	    d.len != 1 || dirs.len != 0 || d.items[0].line < 0)
		abort();
	for (i = 0; i < dirs.len; i++)
		if (!clean_dir(dirs.items[i]))
			abort();
	st2 = alembic_ini_read(path, (const char *)data, len, &again, &d2);
	if (st2 != st || again.len != dirs.len)
		abort();
	for (i = 0; i < dirs.len; i++)
		if (strcmp(again.items[i], dirs.items[i]) != 0)
			abort();
done:
	strvec_clear(&dirs);
	strvec_clear(&again);
	diag_list_clear(&d);
	diag_list_clear(&d2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	check("sub/alembic.ini", data, len);
	check("alembic.ini", data, len);
	return 0;
}
