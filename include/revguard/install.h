/*
 * install: `revguard install-hook`, which writes the pre-receive hook
 * into the hooks directory git runs for a repository (core.hooksPath
 * included) after checking, as the repository's owner, that the hook
 * can read its configuration.
 */
#ifndef REVGUARD_INSTALL_H
#define REVGUARD_INSTALL_H

#include <stdio.h>

/* `revguard install-hook ARGS`: 0 installed, 2 usage or other error. */
int	 install_hook_main(int argc, char **argv);
void	 install_usage(FILE *);

#endif
