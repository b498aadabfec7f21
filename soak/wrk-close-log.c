/*
 * wrk-close-log.c -- LD_PRELOAD shim for the soak test (soak/run.sh): logs
 * the time of every close() of a socket by wrk, one line of milliseconds
 * since the epoch, to the file SOAK_CLOSE_LOG.
 *
 * wrk closes a connection's socket only to reconnect (after a socket error,
 * or when nginx closed the connection) or after a failed connect; so the
 * lines are the times at which connections dropped, which run.sh matches
 * with the reloads and the worker kills.  Used next to
 * bench/wrk-cert-shim.c: LD_PRELOAD="wrk-cert-shim.so wrk-close-log.so".
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int  log_fd = -1;


/* before wrk starts its threads */
__attribute__((constructor)) static void
open_log(void)
{
    const char  *path;

    path = getenv("SOAK_CLOSE_LOG");
    if (path != NULL) {
        log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
}

int
close(int fd)
{
    static int     (*next)(int);
    struct stat      st;
    struct timespec  ts;
    char             line[32];
    int              n;

    if (next == NULL) {
        next = (int (*)(int)) dlsym(RTLD_NEXT, "close");
        if (next == NULL) {
            return -1;
        }
    }

    if (log_fd >= 0 && fd != log_fd && fstat(fd, &st) == 0
        && S_ISSOCK(st.st_mode))
    {
        clock_gettime(CLOCK_REALTIME, &ts);
        n = snprintf(line, sizeof(line), "%lld\n",
                     (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        /* one write(2) with O_APPEND: lines of threads never mix */
        if (write(log_fd, line, n) != n) {
            /* nothing to do: the log is best effort */
        }
    }

    return next(fd);
}
