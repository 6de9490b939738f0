/*
 * config: the YAML configuration (libyaml) turned into a struct config.
 * Unknown keys and bad values are errors naming file, line and column.
 * A struct config owns everything in it.
 */
#ifndef REVGUARD_CONFIG_H
#define REVGUARD_CONFIG_H

#include <stddef.h>

#include "revguard/rules.h"
#include "revguard/strvec.h"

struct config {
	struct policy	 policy;
	struct strvec	 versions_paths;	/* empty: from alembic.ini */
	char		*alembic_ini;
};

int	 config_init(struct config *);
/* Loads a file over the defaults; -1 with "file:line:col: why" in err. */
int	 config_load_file(struct config *, const char *path, char *err,
	    size_t errlen);
int	 config_load_buffer(struct config *, const char *name,
	    const char *data, size_t len, char *err, size_t errlen);
void	 config_free(struct config *);

#endif
