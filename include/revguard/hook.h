/*
 * hook: the pre-receive client (`revguard hook`) and its installer
 * (`revguard install-hook`).  The client reads git's ref update lines and
 * environment, asks revguardd (or checks in-process), prints the verdict
 * to stderr (git shows it as remote: lines) and exits 0 or 1.
 */
#ifndef REVGUARD_HOOK_H
#define REVGUARD_HOOK_H

int	 hook_main(int argc, char **argv);
int	 install_hook_main(int argc, char **argv);

#endif
