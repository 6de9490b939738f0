/*
 * ini_probe: prints what the core reads from alembic.ini files, for
 * tests/ini_differential.py.  Usage: ini_probe INI_PATH FILE...
 * INI_PATH is where the files would sit in the repository.  One line per
 * file: `ok` and the versions directories in hex (`-` for the root), or
 * `error KIND LINE` with KIND syntax, alembic, unsupported or nomem.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/alembic_ini.h"

static char *
slurp(const char *file, size_t *len)
{
	FILE	*f;
	char	*data = NULL, *p;
	size_t	 cap = 0, n;

	*len = 0;
	if ((f = fopen(file, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((p = realloc(data, cap)) == NULL)
				break;
			data = p;
		}
		if ((n = fread(data + *len, 1, cap - *len, f)) == 0)
			break;
		*len += n;
	}
	fclose(f);
	return data;
}

int
main(int argc, char **argv)
{
	static const char *const kinds[] = { "ok", "syntax", "alembic",
	    "unsupported", "nomem" };
	struct strvec		 dirs = STRVEC_INIT;
	struct diag_list	 diags = DIAG_LIST_INIT;
	enum alembic_ini_status	 st;
	const unsigned char	*c;
	char			*data;
	size_t			 len, i;
	int			 a;

	if (argc < 3) {
		fprintf(stderr, "usage: ini_probe INI_PATH FILE...\n");
		return 2;
	}
	for (a = 2; a < argc; a++) {
		if ((data = slurp(argv[a], &len)) == NULL && len == 0 &&
		    (data = strdup("")) == NULL) {
			perror(argv[a]);
			return 2;
		}
		st = alembic_ini_read(argv[1], data, len, &dirs, &diags);
		if (st == ALEMBIC_INI_OK) {
			printf("ok");
			for (i = 0; i < dirs.len; i++) {
				putchar(' ');
				if (dirs.items[i][0] == '\0')
					putchar('-');
				for (c = (const unsigned char *)dirs.items[i];
				    *c != '\0'; c++)
					printf("%02x", *c);
			}
			putchar('\n');
		} else
			printf("error %s %d %s\n", kinds[st],
			    diags.len ? diags.items[0].line : 0,
			    diags.len ? diags.items[0].message : "");
		free(data);
		strvec_clear(&dirs);
		diag_list_clear(&diags);
	}
	return 0;
}
