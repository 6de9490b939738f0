/* libFuzzer harness: YAML configuration loading on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "revguard/config.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct config	 cfg;
	char		 err[1024];

	if (config_init(&cfg) == -1)
		return 0;
	err[0] = '\0';
	if (config_load_buffer(&cfg, "f.yaml", (const char *)data, len, err,
	    sizeof(err)) == -1 && strncmp(err, "f.yaml:", 7) != 0)
		__builtin_trap();	/* errors always name the file */
	config_free(&cfg);
	return 0;
}
