/*
 * cli_decisions: `revguard decisions`, the decision log from a shell.
 */
#ifndef REVGUARD_CLI_DECISIONS_H
#define REVGUARD_CLI_DECISIONS_H

#include <stdio.h>

/* argv[0] is "decisions"; returns the exit status. */
int	 cli_decisions_main(int argc, char **argv);
void	 cli_decisions_usage(FILE *);

#endif
