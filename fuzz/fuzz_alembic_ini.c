/* libFuzzer harness: alembic.ini parsing on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "revguard/alembic_ini.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct strvec		 dirs = STRVEC_INIT;
	struct diag_list	 d = DIAG_LIST_INIT;

	if (alembic_ini_versions("sub/alembic.ini", (const char *)data, len,
	    &dirs, &d) == -1 && d.len == 0 && dirs.len == 0)
		;	/* out of memory only */
	strvec_clear(&dirs);
	diag_list_clear(&d);
	return 0;
}
