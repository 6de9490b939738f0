/*
 * placeholder-fp: measures the placeholder-id false-positive rate on
 * genuine random revision IDs, made as Alembic makes them
 * (uuid4().hex[-12:]: 12 hex digits from the kernel CSPRNG), read from
 * /dev/urandom.  Prints the count and rate per family next to the
 * analytic bound of docs/adr/0001-revision-id-policy.md, and the CPU
 * time placeholder_check takes per ID.
 *
 *   make bench/placeholder-fp && bench/placeholder-fp [COUNT]
 *
 * Exits 1 when the measured rate exceeds 1e-6.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "revguard/placeholder.h"

#define BATCH	100000

int
main(int argc, char **argv)
{
	static const char	 hex[] = "0123456789abcdef";
	static unsigned char	 bytes[BATCH * 6];
	static struct placeholder_match found[BATCH];
	static unsigned char	 hits[BATCH];
	long			 per[PLACEHOLDER_FAMILIES] = { 0 };
	long			 count = 10000000, flagged = 0;
	long			 n, i, k, batch;
	static char		 ids[BATCH][13];
	FILE			*f;
	double			 rate, ns = 0.0;
	struct timespec		 t0, t1;

	if (argc > 1 && (count = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: placeholder-fp [COUNT]\n");
		return 2;
	}
	if ((f = fopen("/dev/urandom", "rb")) == NULL) {
		perror("/dev/urandom");
		return 2;
	}
	for (n = 0; n < count; n += batch) {
		batch = count - n < BATCH ? count - n : BATCH;
		if (fread(bytes, 6, (size_t)batch, f) != (size_t)batch) {
			perror("/dev/urandom");
			return 2;
		}
		for (i = 0; i < batch; i++) {
			for (k = 0; k < 6; k++) {
				ids[i][2 * k] = hex[bytes[i * 6 + k] >> 4];
				ids[i][2 * k + 1] = hex[bytes[i * 6 + k] & 15];
			}
			ids[i][12] = '\0';
		}
		/* Time the checks alone, not the reads and formatting,
		 * in CPU time: the machine may be shared. */
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		for (i = 0; i < batch; i++)
			hits[i] = (unsigned char)placeholder_check(ids[i],
			    &found[i]);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		ns += (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
		    (double)(t1.tv_nsec - t0.tv_nsec);
		for (i = 0; i < batch; i++) {
			if (!hits[i])
				continue;
			flagged++;
			per[found[i].family]++;
			printf("flagged %s (%s)\n", ids[i],
			    placeholder_family_name(found[i].family));
		}
	}
	fclose(f);
	rate = (double)flagged / (double)count;
	for (k = 0; k < PLACEHOLDER_FAMILIES; k++)
		printf("%-20s %ld\n", placeholder_family_name(
		    (enum placeholder_family)k), per[k]);
	printf("placeholder-id: %ld of %ld random IDs flagged, rate %.2e "
	    "(analytic bound %.2e, budget 1e-6)\n", flagged, count, rate,
	    PLACEHOLDER_P_BOUND);
	printf("placeholder_check: %.1f ns per ID\n", ns / (double)count);
	return rate > 1e-6;
}
