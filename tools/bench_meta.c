/* bench_meta: tight-loop metadata operations for tools/bench.
 *
 * tools/bench compiles this with `cc -O2` into its temp dir and runs it once per measurement,
 * so the figures carry no interpreter overhead. Every mode prints exactly one line on stdout:
 *
 *   ok OPS SECONDS [EXTRA...]      the whole loop succeeded
 *   err INDEX ERRNAME MESSAGE      operation INDEX failed (the loop stops there)
 *
 * Usage:
 *   bench_meta populate N PREFIX DIR...  create N empty files PREFIX%07d round-robin over DIRs
 *   bench_meta create   DIR N PREFIX     open(O_CREAT|O_EXCL|O_WRONLY)+close of DIR/PREFIX%07d
 *   bench_meta stat     DIR N PREFIX     stat() of each
 *   bench_meta open     DIR N PREFIX     open(O_RDONLY)+close of each
 *   bench_meta unlink   DIR N PREFIX     unlink() of each
 *   bench_meta readdir  DIR PASSES       opendir/readdir/closedir PASSES times; OPS = entries
 *                                        read (without . and ..), EXTRA = entries per pass
 *   bench_meta statlat  DIR N PREFIX     stat() of each, timing every call; EXTRA = latency
 *                                        p50 p90 p99 max in microseconds
 *
 * Paths are absolute (DIR/name) on purpose: like real programs, every call walks the path.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(long i, int e) {
  const char *name = strerrorname_np(e);
  printf("err %ld %s %s\n", i, name ? name : "E?", strerror(e));
  return 1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static long parse_n(const char *s) {
  char *end;
  long n = strtol(s, &end, 10);
  if (*end || n < 0) {
    fprintf(stderr, "bench_meta: bad count %s\n", s);
    exit(2);
  }
  return n;
}

static int usage(void) {
  fprintf(stderr, "usage: bench_meta populate N PREFIX DIR... | "
                  "{create|stat|open|unlink|statlat} DIR N PREFIX | readdir DIR PASSES\n");
  return 2;
}

int main(int argc, char **argv) {
  char path[PATH_MAX];
  if (argc < 3) return usage();
  const char *mode = argv[1];

  if (!strcmp(mode, "populate")) {
    if (argc < 5) return usage();
    long n = parse_n(argv[2]);
    const char *prefix = argv[3];
    int ndirs = argc - 4;
    double t0 = now();
    for (long i = 0; i < n; i++) {
      snprintf(path, sizeof path, "%s/%s%07ld", argv[4 + i % ndirs], prefix, i);
      int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) return fail(i, errno);
      close(fd);
    }
    printf("ok %ld %.9f\n", n, now() - t0);
    return 0;
  }

  if (!strcmp(mode, "readdir")) {
    long passes = parse_n(argv[3]);
    long total = 0, per = 0;
    double t0 = now();
    for (long p = 0; p < passes; p++) {
      DIR *d = opendir(argv[2]);
      if (!d) return fail(p, errno);
      struct dirent *de;
      per = 0;
      errno = 0;
      while ((de = readdir(d))) {
        if (de->d_name[0] == '.' &&
            (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
          continue;
        per++;
      }
      int e = errno;
      closedir(d);
      if (e) return fail(p, e);
      total += per;
    }
    printf("ok %ld %.9f %ld\n", total, now() - t0, per);
    return 0;
  }

  if (argc < 5) return usage();
  const char *dir = argv[2];
  long n = parse_n(argv[3]);
  const char *prefix = argv[4];
  struct stat st;

  if (!strcmp(mode, "statlat")) {
    double *lat = malloc(sizeof(double) * (n ? n : 1));
    if (!lat) return fail(0, ENOMEM);
    double t0 = now();
    for (long i = 0; i < n; i++) {
      snprintf(path, sizeof path, "%s/%s%07ld", dir, prefix, i);
      double a = now();
      if (stat(path, &st) < 0) return fail(i, errno);
      lat[i] = (now() - a) * 1e6;
    }
    double total = now() - t0;
    qsort(lat, n, sizeof(double), cmp_double);
#define PCT(p) (n ? lat[(long)((n - 1) * (p))] : 0.0)
    printf("ok %ld %.9f %.3f %.3f %.3f %.3f\n", n, total, PCT(0.50), PCT(0.90), PCT(0.99),
           n ? lat[n - 1] : 0.0);
    return 0;
  }

  int op;
  if (!strcmp(mode, "create")) op = 0;
  else if (!strcmp(mode, "stat")) op = 1;
  else if (!strcmp(mode, "open")) op = 2;
  else if (!strcmp(mode, "unlink")) op = 3;
  else return usage();

  double t0 = now();
  for (long i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s%07ld", dir, prefix, i);
    int fd;
    switch (op) {
    case 0:
      fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) return fail(i, errno);
      if (close(fd) < 0) return fail(i, errno);
      break;
    case 1:
      if (stat(path, &st) < 0) return fail(i, errno);
      break;
    case 2:
      fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) return fail(i, errno);
      if (close(fd) < 0) return fail(i, errno);
      break;
    case 3:
      if (unlink(path) < 0) return fail(i, errno);
      break;
    }
  }
  printf("ok %ld %.9f\n", n, now() - t0);
  return 0;
}
