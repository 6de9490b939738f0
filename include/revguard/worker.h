/*
 * worker: a fixed pool of threads that run jobs from a locked queue and
 * hand finished jobs back to the event loop through an eventfd.  Workers
 * never touch libevent; the loop never waits for a worker.
 */
#ifndef REVGUARD_WORKER_H
#define REVGUARD_WORKER_H

struct worker_job {
	struct worker_job	*next;
	void			(*run)(struct worker_job *);	/* in a worker */
};

struct worker_pool;

/* Starts n threads; NULL with errno set on failure. */
struct worker_pool *worker_pool_new(int n);
/* Queues a job (main thread). */
void		 worker_pool_submit(struct worker_pool *, struct worker_job *);
/* The descriptor that becomes readable when jobs have finished. */
int		 worker_pool_fd(const struct worker_pool *);
/* Takes every finished job, oldest first (main thread). */
struct worker_job *worker_pool_take_done(struct worker_pool *);
/*
 * Starts no more jobs and waits up to timeout_ms for the running ones to
 * return; -1 when some still run (then the pool must not be freed: the
 * owner exits without joining).
 */
int		 worker_pool_stop(struct worker_pool *, int timeout_ms);
/*
 * Lets running jobs finish and joins the threads.  Returns the jobs that
 * finished but were not taken, and those that never started (their run
 * was not called), for the owner to free.
 */
struct worker_job *worker_pool_free(struct worker_pool *);

#endif
