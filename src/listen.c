/*
 * listen.c: the listening socket of revguardd, taken from systemd or
 * bound at the configured path.  The loop (daemon.c) only accepts on it.
 * A path is replaced only when the socket there is stale (nobody
 * answers), so a second daemon never steals a running one's socket, and
 * at exit only the socket this process bound is removed: a successor may
 * have bound its own at the same path by then.
 */
#include "config.h"

#include <errno.h>
#include <event2/util.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "revguard/listen.h"
#include "revguard/log.h"

/*
 * Creates the socket's missing parent directories (mode 0755, so that
 * hooks running as other users can reach the socket); existing ones are
 * left as they are.  Exits with the path when it cannot.
 */
static void
make_socket_dir(const char *sock)
{
	char		 dir[PATH_MAX], *p, save;
	struct stat	 st;

	if (strlen(sock) >= sizeof(dir) || (p = strrchr(sock, '/')) == NULL ||
	    p == sock)
		return;
	memcpy(dir, sock, (size_t)(p - sock));
	dir[p - sock] = '\0';
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			fatalx("socket directory %s is not a directory", dir);
		return;
	}
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		save = *p;
		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			if (chmod(dir, 0755) == -1)
				fatal("chmod %s", dir);
			log_info("created socket directory %s", dir);
		} else if (errno != EEXIST)
			fatal("cannot create socket directory %s (create it, "
			    "or set daemon.socket or -s to a path in an "
			    "existing directory)", dir);
		*p = save;
		if (save == '\0')
			break;
	}
}

int
listen_open(struct listen_socket *ls, const char *path, int mode)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, probe;

	memset(ls, 0, sizeof(*ls));
	if (sd_listen_fds(1) > 0) {
		fd = SD_LISTEN_FDS_START;
		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
			fatalx("the socket passed by systemd is not a "
			    "listening Unix stream socket");
		if (evutil_make_socket_nonblocking(fd) == -1)
			fatal("nonblocking");
		log_info("listening on the socket passed by systemd");
		return fd;	/* systemd's to remove */
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		fatalx("socket path %s is too long", path);
	strcpy(sun.sun_path, path);
	make_socket_dir(path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("%s exists and is not a socket", path);
		probe = socket(AF_UNIX, SOCK_STREAM, 0);
		if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0)
			fatalx("another revguardd is listening on %s", path);
		if (probe != -1)
			close(probe);
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", path);
	if (chmod(path, (mode_t)mode) == -1)
		fatal("chmod %s", path);
	if (lstat(path, &st) == -1)
		fatal("stat %s", path);
	if (listen(fd, SOMAXCONN) == -1)
		fatal("listen %s", path);
	if ((ls->path = strdup(path)) == NULL)
		fatal("strdup");
	ls->dev = st.st_dev;
	ls->ino = st.st_ino;
	log_info("listening on %s", path);
	return fd;
}

void
listen_close(struct listen_socket *ls)
{
	struct stat	 st;

	if (ls->path == NULL)
		return;
	if (lstat(ls->path, &st) == 0 && st.st_dev == ls->dev &&
	    st.st_ino == ls->ino)
		unlink(ls->path);
	else
		log_info("leaving %s alone: it is no longer the socket this "
		    "daemon bound", ls->path);
	free(ls->path);
	ls->path = NULL;
}
