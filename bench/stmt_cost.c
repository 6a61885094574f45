/*
 * stmt_cost.c: what one execution of a prepared statement costs MariaDB, in CPU microseconds of
 * mariadbd (from /proc/PID/stat before and after), through Kinglet's own lib/db.c and the
 * database of the kinglet.conf named by KINGLET_CONF. For comparing forms of a statement
 * (bench/README.md, "What was made faster"); the machine should be otherwise idle.
 *   stmt_cost MARIADBD_PID COUNT SQL [ARG...]
 *   ARG: i:NUMBER, s:TEXT, or t:TOKEN (the token's SHA-256, as the tokens table keeps it)
 * Prints "rows cpu_us": rows per execution, mariadbd's CPU microseconds per execution.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"
#include "conf.h"
#include "db.h"
#include "digest.h"
#include "strbuf.h"

enum { MAX_ARGS = 16 };

/* utime + stime of process pid, in clock ticks; -1 when it cannot be read. */
static long long cpu_ticks(const char *pid)
{
	char path[64], line[1024];
	long long utime, stime;
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *ok = fgets(line, sizeof(line), f);
	fclose(f);
	/* The fields after the command (which may hold spaces): state is field 3, utime 14. */
	const char *p = ok ? strrchr(line, ')') : NULL;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &utime,
			 &stime) != 2)
		return -1;
	return utime + stime;
}

static int usage(void)
{
	fprintf(stderr, "usage: stmt_cost MARIADBD_PID COUNT SQL [i:NUMBER|s:TEXT|t:TOKEN]...\n");
	return 2;
}

int main(int argc, char **argv)
{
	static uint8_t hashes[MAX_ARGS][SHA256_LEN];
	struct db_arg args[MAX_ARGS];
	struct strbuf err = STRBUF_INIT;
	struct db_stmt *st;
	size_t nargs = 0;
	long long rows = 0;

	if (argc < 4 || argc - 4 > MAX_ARGS)
		return usage();
	long count = strtol(argv[2], NULL, 10);
	if (count <= 0)
		return usage();
	for (int i = 4; i < argc; i++, nargs++) {
		const char *v = argv[i] + 2;
		if (!strncmp(argv[i], "i:", 2)) {
			args[nargs] = DB_INT(strtoll(v, NULL, 10));
		} else if (!strncmp(argv[i], "s:", 2)) {
			args[nargs] = DB_STR(v);
		} else if (!strncmp(argv[i], "t:", 2)) {
			sha256(v, strlen(v), hashes[nargs]);
			args[nargs] = DB_STRN((const char *)hashes[nargs], SHA256_LEN);
		} else {
			return usage();
		}
	}
	if (conf_load(getenv("KINGLET_CONF"), &err) < 0) {
		fprintf(stderr, "stmt_cost: %s\n", err.buf);
		return 1;
	}
	/* The first execution prepares the statement: not counted. */
	long long before = 0;
	for (long i = 0; i <= count; i++) {
		if (i == 1 && (before = cpu_ticks(argv[1])) < 0) {
			fprintf(stderr, "stmt_cost: no process %s\n", argv[1]);
			return 1;
		}
		int rc = db_run(&st, argv[3], args, nargs);
		if (!rc) {
			while ((rc = db_next(st)) == 1)
				rows += i > 0;
			db_done(st);
		}
		if (rc < 0) {
			fprintf(stderr,
				"stmt_cost: the statement failed (see the log line above)\n");
			return 1;
		}
	}
	long long after = cpu_ticks(argv[1]);
	printf("%.2f %.1f\n", (double)rows / (double)count,
	       (double)(after - before) * 1e6 / (double)sysconf(_SC_CLK_TCK) / (double)count);
	db_close();
	return 0;
}
