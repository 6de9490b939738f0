/*
 * alembic_ini: reads an alembic.ini (bytes in) exactly as Alembic 1.8.1
 * does through Python's configparser.ConfigParser (strict mode, basic
 * interpolation, `here` as a default), and works out the versions
 * directories relative to the repository root, the way
 * ScriptDirectory.from_config does when Alembic runs in the directory of
 * the ini file.  The caller owns out and diags.
 */
#ifndef REVGUARD_ALEMBIC_INI_H
#define REVGUARD_ALEMBIC_INI_H

#include <stddef.h>

#include "revguard/diag.h"
#include "revguard/strvec.h"

/* What kind of failure alembic_ini_read found. */
enum alembic_ini_status {
	ALEMBIC_INI_OK = 0,
	ALEMBIC_INI_SYNTAX,	/* configparser raises: Alembic cannot start */
	ALEMBIC_INI_ALEMBIC,	/* Alembic raises while reading its options */
	ALEMBIC_INI_UNSUPPORTED,/* Alembic may run, revguard cannot follow */
	ALEMBIC_INI_NOMEM
};

/*
 * Fills out (repository-relative directories, "" for the root, no
 * duplicates) from the ini at ini_path.  On failure adds one
 * parse-error diagnostic naming the line (0 when about the whole file).
 */
enum alembic_ini_status alembic_ini_read(const char *ini_path,
	    const char *data, size_t len, struct strvec *out,
	    struct diag_list *diags);
/* The same, 0 or -1. */
int	 alembic_ini_versions(const char *ini_path, const char *data,
	    size_t len, struct strvec *out, struct diag_list *diags);

#endif
