/* libFuzzer harness: the migration parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "revguard/migration.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct migration	 m;
	struct diag_list	 d = DIAG_LIST_INIT;
	const uint8_t		*p;
	int			 rv, lines = 1;

	for (p = data; (p = memchr(p, '\n', len - (size_t)(p - data))) != NULL;
	    p++)
		lines++;
	for (p = data; (p = memchr(p, '\r', len - (size_t)(p - data))) != NULL;
	    p++)
		lines++;
	rv = migration_parse("versions/x.py", (const char *)data, len, &m, &d);
	/* Every failure explains itself; success names the revision. */
	if ((rv == -1 && d.len == 0) || (rv == 0 && (m.revision == NULL ||
	    !m.has_down_revision || m.revision_line < 1)))
		__builtin_trap();
	/* A parse-error names a line of the file (0: the file as a whole). */
	if (rv == -1 && (d.items[0].line < 0 || d.items[0].line > lines))
		__builtin_trap();
	migration_clear(&m);
	diag_list_clear(&d);
	return 0;
}
