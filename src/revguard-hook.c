/*
 * revguard-hook.c: the small pre-receive client.  It links no libgit2
 * (whose libraries cost milliseconds to load on every push), only what it
 * needs to read the configuration and talk to revguardd.  install-hook
 * points hooks at it; `revguard hook` is the same client plus the
 * in-process check.
 */
#include "config.h"

#include "revguard/hook.h"

int
main(int argc, char **argv)
{
	return hook_main(argc, argv, NULL);
}
