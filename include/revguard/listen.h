/*
 * listen: revguardd's listening socket, apart from the event loop.  It is
 * the socket systemd passes (socket activation, sd_listen_fds), or one
 * bound at the configured path: missing parent directories created
 * (0755), a stale socket replaced only when nobody answers on it, the
 * configured mode applied.  Either way it is non-blocking, ready for
 * libevent.  At exit the socket file is removed only if it is still the
 * one this process bound, never one a successor bound at that path.
 * Errors at start-up are fatal, with the path.
 */
#ifndef REVGUARD_LISTEN_H
#define REVGUARD_LISTEN_H

#include <sys/types.h>

/* What the daemon bound; zeroed (path NULL) when systemd owns it. */
struct listen_socket {
	char	*path;		/* ours to unlink, or NULL */
	dev_t	 dev;		/* what we bound, so we */
	ino_t	 ino;		/* never unlink another's */
};

/* Returns the listening descriptor, from systemd or bound at path with
 * mode; ls records what to remove at exit. */
int	 listen_open(struct listen_socket *ls, const char *path, int mode);
/* Removes the socket only if it is still the one we bound; frees ls. */
void	 listen_close(struct listen_socket *ls);

#endif
