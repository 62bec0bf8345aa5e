/*
 * bench-spawn: wall time of whole processes, two command lines compared in the
 * same run.  Rounds alternate which command goes first; each round runs each
 * command N times (standard output to /dev/null) and the report gives the
 * median time per run of each and the median of the per-round ratios B/A.
 *
 *   bench-spawn [-n RUNS] [-r ROUNDS] [-p PARALLEL] A-ARGV... -- B-ARGV...
 *
 * With -p P, B is instead started P times at once per run and timed until the
 * last one exits (A likewise): the cost of a thundering herd.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 64

extern char **environ;

static double
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Start argv `parallel` times at once and wait for all; returns microseconds. */
static double
run(char **argv, int parallel, int *failures)
{
    posix_spawn_file_actions_t fa;
    pid_t pids[256];
    double start;
    int status;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    start = now_us();
    for (int i = 0; i < parallel; i++)
        if (posix_spawn(&pids[i], argv[0], &fa, NULL, argv, environ) != 0) {
            perror(argv[0]);
            exit(1);
        }
    for (int i = 0; i < parallel; i++)
        if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            (*failures)++;
    posix_spawn_file_actions_destroy(&fa);
    return now_us() - start;
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
    qsort(v, (size_t) n, sizeof(*v), cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
    int runs = 200, rounds = 10, parallel = 1, opt, failures = 0;
    double a_us[MAX_ROUNDS], b_us[MAX_ROUNDS], ratio[MAX_ROUNDS];
    char **a, **b;

    while ((opt = getopt(argc, argv, "+n:r:p:")) != -1) {
        switch (opt) {
        case 'n': runs = atoi(optarg); break;
        case 'r': rounds = atoi(optarg); break;
        case 'p': parallel = atoi(optarg); break;
        default: goto usage;
        }
    }
    if (runs < 1 || rounds < 1 || rounds > MAX_ROUNDS || parallel < 1 || parallel > 256)
        goto usage;
    a = argv + optind;
    for (b = a; *b != NULL && strcmp(*b, "--") != 0; b++)
        ;
    if (*b == NULL || b == a || b[1] == NULL)
        goto usage;
    *b++ = NULL;
    for (int r = 0; r < rounds; r++) {
        double ta = 0, tb = 0;
        for (int pass = 0; pass < 2; pass++) {
            int a_turn = (pass == 0) == (r % 2 == 0);
            for (int i = 0; i < runs; i++) {
                if (a_turn)
                    ta += run(a, 1, &failures);
                else
                    tb += run(b, parallel, &failures);
            }
        }
        a_us[r] = ta / runs;
        b_us[r] = tb / runs;
        ratio[r] = b_us[r] / a_us[r];
    }
    printf("a_us %.1f\nb_us %.1f\nratio %.3f\nfailures %d\n", median(a_us, rounds), median(b_us, rounds),
           median(ratio, rounds), failures);
    return failures ? 1 : 0;
usage:
    fprintf(stderr, "usage: bench-spawn [-n RUNS] [-r ROUNDS] [-p PARALLEL] A-ARGV... -- B-ARGV...\n");
    return 64;
}
