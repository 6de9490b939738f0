/*
 * migration: reads one Alembic migration module (bytes and a file name)
 * into a struct migration, without executing or importing anything.
 * A struct migration owns all its strings; migration_clear frees them.
 */
#ifndef REVGUARD_MIGRATION_H
#define REVGUARD_MIGRATION_H

#include <stddef.h>

#include "revguard/diag.h"
#include "revguard/strvec.h"

struct migration {
	char		*path;		/* as given to migration_parse */
	char		*revision;
	int		 revision_line;
	int		 has_down_revision;
	struct strvec	 down_revisions;	/* empty for a base */
	int		 down_revision_line;
	struct strvec	 branch_labels;
	int		 branch_labels_line;
	struct strvec	 depends_on;
	int		 depends_on_line;

	int		 has_docstring;
	int		 docstring_line;
	char		*header_revision;	/* NULL: no "Revision ID:" */
	int		 header_revision_line;
	int		 has_header_revises;
	struct strvec	 header_revises;
	int		 header_revises_line;
	char		*create_date;		/* NULL: no "Create Date:" */
	int		 create_date_line;
};

/*
 * Parses len bytes of the module at path.  Returns 0, or -1 after adding a
 * parse-error diagnostic naming path and line to diags.  On -1 *out holds
 * whatever could be read (path always) and must still be cleared.
 */
int	 migration_parse(const char *path, const char *data, size_t len,
	    struct migration *out, struct diag_list *diags);
/* Splits a "Revises:" header value into revision IDs. */
int	 migration_split_revises(const char *value, struct strvec *out);
void	 migration_clear(struct migration *);

#endif
