/* libFuzzer harness: the migration parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "revguard/migration.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct migration	 m;
	struct diag_list	 d = DIAG_LIST_INIT;
	int			 rv;

	rv = migration_parse("versions/x.py", (const char *)data, len, &m, &d);
	/* Every failure explains itself; success names the revision. */
	if ((rv == -1 && d.len == 0) || (rv == 0 && m.revision == NULL))
		__builtin_trap();
	migration_clear(&m);
	diag_list_clear(&d);
	return 0;
}
