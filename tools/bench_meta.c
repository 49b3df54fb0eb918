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
 *   bench_meta fill N PREFIX BYTES DIR... the same with BYTES bytes of data in each file
 *   bench_meta create   DIR N PREFIX     open(O_CREAT|O_EXCL|O_WRONLY)+close of DIR/PREFIX%07d
 *   bench_meta stat     DIR N PREFIX     stat() of each
 *   bench_meta open     DIR N PREFIX     open(O_RDONLY)+close of each
 *   bench_meta unlink   DIR N PREFIX     unlink() of each
 *   bench_meta readdir  DIR PASSES       opendir/readdir/closedir PASSES times; OPS = entries
 *                                        read (without . and ..), EXTRA = entries per pass
 *   bench_meta statlat  DIR N PREFIX     stat() of each, timing every call; EXTRA = latency
 *                                        p50 p90 p99 max in microseconds
 *   bench_meta readlat  DIR N PREFIX     open(O_RDONLY)+read(up to 4 KiB)+close of each, timed
 *                                        as one call; EXTRA as statlat; an empty read fails
 *   bench_meta answer   OP PATH          one stat or chmod (OP) of PATH, timed; prints
 *                                        ok 1 SECONDS ERRNO (0: it succeeded): how long a
 *                                        request that needs a frozen branch waits, and for what
 *   bench_meta waitfor  DIR N PREFIX     stat() DIR/PREFIX%07d, the next name every 10 ms (a
 *                                        fresh name, so no negative dentry answers for the
 *                                        pool), until one exists; OPS = attempts; fails with
 *                                        the last errno when none of the N did
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
                  "fill N PREFIX BYTES DIR... | answer {stat|chmod} PATH | "
                  "{create|stat|open|unlink|statlat|readlat|waitfor} DIR N PREFIX | "
                  "readdir DIR PASSES\n");
  return 2;
}

/* Creates n files PREFIX%07d round-robin over dirs, each holding `bytes` bytes. */
static int populate(long n, const char *prefix, long bytes, int ndirs, char **dirs) {
  char path[PATH_MAX];
  char *data = calloc(1, bytes ? bytes : 1);
  if (!data) return fail(0, ENOMEM);
  memset(data, 'x', bytes);
  double t0 = now();
  for (long i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s%07ld", dirs[i % ndirs], prefix, i);
    int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return fail(i, errno);
    errno = 0; /* a short write sets none */
    if (bytes && write(fd, data, bytes) != bytes) return fail(i, errno ? errno : EIO);
    close(fd);
  }
  free(data);
  printf("ok %ld %.9f\n", n, now() - t0);
  return 0;
}

/* One timed operation of a latency mode: 0, or the errno that failed it. */
typedef int (*timed_op)(const char *path);

static int stat_one(const char *path) {
  struct stat st;
  return stat(path, &st) < 0 ? errno : 0;
}

/* A metadata change: the pool must run it on the file's own branch. */
static int chmod_one(const char *path) { return chmod(path, 0644) < 0 ? errno : 0; }

/* What a program reading a small file does: open, one read, close. */
static int read_one(const char *path) {
  char buf[4096];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t got = read(fd, buf, sizeof buf);
  int e = got < 0 ? errno : got == 0 ? ENODATA : 0;
  if (close(fd) < 0 && !e) e = errno;
  return e;
}

/* Runs op on each DIR/PREFIX%07d, timing every call; prints p50 p90 p99 max in µs. */
static int timed_loop(const char *dir, long n, const char *prefix, timed_op op) {
  char path[PATH_MAX];
  double *lat = malloc(sizeof(double) * (n ? n : 1));
  if (!lat) return fail(0, ENOMEM);
  double t0 = now();
  for (long i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s%07ld", dir, prefix, i);
    double a = now();
    int e = op(path);
    if (e) return fail(i, e);
    lat[i] = (now() - a) * 1e6;
  }
  double total = now() - t0;
  qsort(lat, n, sizeof(double), cmp_double);
#define PCT(p) (n ? lat[(long)((n - 1) * (p))] : 0.0)
  printf("ok %ld %.9f %.3f %.3f %.3f %.3f\n", n, total, PCT(0.50), PCT(0.90), PCT(0.99),
         n ? lat[n - 1] : 0.0);
  free(lat);
  return 0;
}

/* Polls fresh names until one exists: how long until a file the pool could not see (its
 * branch was frozen) is served again. */
static int wait_for(const char *dir, long n, const char *prefix) {
  char path[PATH_MAX];
  const struct timespec pause = {0, 10 * 1000 * 1000};
  int e = ENOENT;
  double t0 = now();
  for (long i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s%07ld", dir, prefix, i);
    e = stat_one(path);
    if (!e) {
      printf("ok %ld %.9f\n", i + 1, now() - t0);
      return 0;
    }
    nanosleep(&pause, NULL);
  }
  return fail(n - 1, e);
}

int main(int argc, char **argv) {
  char path[PATH_MAX];
  if (argc < 3) return usage();
  const char *mode = argv[1];

  if (!strcmp(mode, "populate") || !strcmp(mode, "fill")) {
    int filled = !strcmp(mode, "fill");
    int first_dir = filled ? 5 : 4;
    if (argc <= first_dir) return usage();
    long n = parse_n(argv[2]);
    long bytes = filled ? parse_n(argv[4]) : 0;
    return populate(n, argv[3], bytes, argc - first_dir, argv + first_dir);
  }

  if (!strcmp(mode, "answer")) {
    if (argc != 4) return usage();
    timed_op op = !strcmp(argv[2], "stat") ? stat_one : !strcmp(argv[2], "chmod") ? chmod_one : NULL;
    if (!op) return usage();
    double a = now();
    int e = op(argv[3]);
    printf("ok 1 %.9f %d\n", now() - a, e);
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

  if (!strcmp(mode, "statlat")) return timed_loop(dir, n, prefix, stat_one);
  if (!strcmp(mode, "readlat")) return timed_loop(dir, n, prefix, read_one);
  if (!strcmp(mode, "waitfor")) return wait_for(dir, n, prefix);

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
