/*
 * rules_file.c: the file rules.  They have no check of their own: they
 * are found while a tree is read, by the module parser and the
 * alembic.ini reader (parse-error: migration.c, alembic_ini.c) and by the
 * engine listing a versions directory (versions-entry: engine.c), which
 * report them with a hint fitted to the case.  Their entries give the
 * catalogue their names, default severities and usual fixes.
 */
#include "config.h"

#include <stddef.h>

#include "revguard/rules.h"

const struct rule_entry rules_file_parse_error = {
	RULE_PARSE_ERROR, "parse-error", RULE_KIND_FILE, RULE_SEV_ERROR, NULL,
	"write the module as `alembic revision` does: literal `revision` and "
	"`down_revision` assignments in valid UTF-8 Python",
	"a migration (or alembic.ini) cannot be read statically"
};

const struct rule_entry rules_file_versions_entry = {
	RULE_VERSIONS_ENTRY, "versions-entry", RULE_KIND_FILE, RULE_SEV_WARN,
	NULL,
	"keep migrations as plain files directly in the versions directory",
	"a symlink, submodule or sub-directory in the versions directory"
};
