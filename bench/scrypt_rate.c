/*
 * scrypt_rate.c: libscrypt's raw hash rate, the ceiling of the login benchmark; and the MCF hash
 * of a password, for the data generator's login user.
 *   scrypt_rate rate SECONDS PROCS LOG2_N R P   hashes per second of PROCS processes hashing in a
 *                                               loop for SECONDS, and the CPU microseconds one
 *                                               hash took ("rate cpu_us")
 *   scrypt_rate hash PASSWORD LOG2_N R P        libscrypt_hash's MCF string of PASSWORD
 */
#include <libscrypt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: scrypt_rate rate SECONDS PROCS LOG2_N R P\n"
			"       scrypt_rate hash PASSWORD LOG2_N R P\n");
	return 2;
}

static int hash(const char *password, int log2_n, int r, int p)
{
	char mcf[SCRYPT_MCF_LEN + 1];
	memset(mcf, 0, sizeof(mcf));
	if (libscrypt_hash(mcf, password, (uint32_t)1 << log2_n, (uint8_t)r, (uint8_t)p) <= 0) {
		fprintf(stderr, "scrypt_rate: libscrypt_hash failed\n");
		return 1;
	}
	printf("%s\n", mcf);
	return 0;
}

/* Each child hashes until the deadline and writes "count seconds" to the pipe. */
static int rate(double seconds, int procs, int log2_n, int r, int p)
{
	int fds[2];
	double total = 0;
	if (pipe(fds) < 0)
		return 1;
	for (int i = 0; i < procs; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			char mcf[SCRYPT_MCF_LEN + 1], line[64];
			double start = now(), end = start + seconds, t = start;
			long n = 0;
			close(fds[0]);
			while (t < end) {
				if (libscrypt_hash(mcf, "bench password", (uint32_t)1 << log2_n,
						   (uint8_t)r, (uint8_t)p) <= 0)
					_exit(1);
				n++;
				t = now();
			}
			int len = snprintf(line, sizeof(line), "%ld %.6f\n", n, t - start);
			_exit(write(fds[1], line, (size_t)len) == len ? 0 : 1);
		}
	}
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	long n;
	double t;
	int got = 0;
	long hashes = 0;
	/* Each process's own rate, summed: the rate of PROCS processes hashing side by side. */
	while (in && fscanf(in, "%ld %lf", &n, &t) == 2 && t > 0) {
		total += (double)n / t;
		hashes += n;
		got++;
	}
	while (wait(NULL) > 0)
		;
	if (got != procs)
		return 1;
	/* And the CPU time one hash took (user + system of the children), in microseconds. */
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("%.3f %.0f\n", total, hashes > 0 ? 1e6 * cpu / hashes : 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "hash"))
		return hash(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (argc == 7 && !strcmp(argv[1], "rate"))
		return rate(atof(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
			    atoi(argv[6]));
	return usage();
}
