/*
 * worker.c: the check thread pool.  One mutex guards both queues; a
 * condition variable wakes idle workers; an eventfd tells the event loop
 * that finished jobs are waiting.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "revguard/worker.h"

struct worker_pool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	pthread_cond_t		 idle;		/* running went to 0 */
	int			 running;	/* jobs in run() now */
	struct worker_job	*queue_head, *queue_tail;
	struct worker_job	*done_head, *done_tail;
	int			 stopping;
	int			 efd;
	int			 nthreads;
	pthread_t		*threads;
};

static void
append(struct worker_job **head, struct worker_job **tail,
    struct worker_job *j)
{
	j->next = NULL;
	if (*tail != NULL)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static void *
worker_main(void *arg)
{
	struct worker_pool	*p = arg;
	struct worker_job	*j;
	uint64_t		 one = 1;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->queue_head == NULL && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		j = p->queue_head;
		p->queue_head = j->next;
		if (p->queue_head == NULL)
			p->queue_tail = NULL;
		p->running++;
		pthread_mutex_unlock(&p->lock);

		j->run(j);

		pthread_mutex_lock(&p->lock);
		append(&p->done_head, &p->done_tail, j);
		if (--p->running == 0)
			pthread_cond_broadcast(&p->idle);
		pthread_mutex_unlock(&p->lock);
		while (write(p->efd, &one, sizeof(one)) == -1 &&
		    errno == EINTR)
			;
	}
}

struct worker_pool *
worker_pool_new(int n)
{
	struct worker_pool	*p;
	int			 i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->idle, NULL);
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    (p->threads = calloc((size_t)n, sizeof(*p->threads))) == NULL) {
		if (p->efd != -1)
			close(p->efd);
		free(p);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
			break;
		p->nthreads++;
	}
	if (p->nthreads == 0) {
		(void)worker_pool_free(p);
		errno = EAGAIN;
		return NULL;
	}
	return p;
}

void
worker_pool_submit(struct worker_pool *p, struct worker_job *j)
{
	pthread_mutex_lock(&p->lock);
	append(&p->queue_head, &p->queue_tail, j);
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

int
worker_pool_fd(const struct worker_pool *p)
{
	return p->efd;
}

struct worker_job *
worker_pool_take_done(struct worker_pool *p)
{
	struct worker_job	*j;
	uint64_t		 count;

	while (read(p->efd, &count, sizeof(count)) == -1 && errno == EINTR)
		;
	pthread_mutex_lock(&p->lock);
	j = p->done_head;
	p->done_head = p->done_tail = NULL;
	pthread_mutex_unlock(&p->lock);
	return j;
}

int
worker_pool_stop(struct worker_pool *p, int timeout_ms)
{
	struct timespec	 until;
	int		 rv = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;	/* queued jobs stay queued */
	pthread_cond_broadcast(&p->wake);
	while (p->running > 0 && rv == 0)
		if (pthread_cond_timedwait(&p->idle, &p->lock, &until) != 0)
			rv = -1;
	if (p->running == 0)
		rv = 0;
	pthread_mutex_unlock(&p->lock);
	return rv;
}

struct worker_job *
worker_pool_free(struct worker_pool *p)
{
	struct worker_job	*j;
	int			 i;

	if (p == NULL)
		return NULL;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	/* Jobs that never started come back to the owner as "done". */
	while ((j = p->queue_head) != NULL) {
		p->queue_head = j->next;
		append(&p->done_head, &p->done_tail, j);
	}
	close(p->efd);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->idle);
	j = p->done_head;
	free(p->threads);
	free(p);
	return j;
}
