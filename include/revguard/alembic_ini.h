/*
 * alembic_ini: reads the [alembic] section of an alembic.ini (bytes in)
 * and works out the versions directories relative to the repository
 * root, the way Alembic's ScriptDirectory.from_config does.
 */
#ifndef REVGUARD_ALEMBIC_INI_H
#define REVGUARD_ALEMBIC_INI_H

#include <stddef.h>

#include "revguard/diag.h"
#include "revguard/strvec.h"

/*
 * Fills out (repository-relative directories) from the ini at ini_path.
 * Returns 0, or -1 after adding a parse-error diagnostic naming the line.
 */
int	 alembic_ini_versions(const char *ini_path, const char *data,
	    size_t len, struct strvec *out, struct diag_list *diags);

#endif
