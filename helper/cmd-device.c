/* bearer-token login --device: the device authorization grant (RFC 8628)
 * from a terminal.  Runs in the network plugin, which has libcurl and
 * libqrencode; the command itself stores what comes back. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "device.h"
#include "http.h"
#include "qr.h"

static long long
wall_clock(void *arg)
{
    (void) arg;
    return (long long) time(NULL);
}

/* Nobody answers here: just sleep out the interval (monotonic clock). */
static int
sleep_out(void *arg, long seconds, int round)
{
    struct timespec until;

    (void) arg, (void) round;
    if (seconds <= 0 || clock_gettime(CLOCK_MONOTONIC, &until) != 0)
        return 0;
    until.tv_sec += seconds;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
        ;
    return 0;
}

/* Where to go and what to type; a QR code of the URL for a terminal. */
static void
show(const struct pb_device_grant *g)
{
    const char *uri = g->verification_uri_complete[0] ? g->verification_uri_complete : g->verification_uri;
    char *qr = isatty(STDOUT_FILENO) ? pb_qr_text(uri) : NULL;

    printf("To log in, open %s\nand enter the code %s\n", g->verification_uri, g->user_code);
    if (g->verification_uri_complete[0])
        printf("(or open %s, which carries the code)\n", g->verification_uri_complete);
    if (qr != NULL)
        printf("%s", qr);
    free(qr);
    fflush(stdout);
}

enum pb_status
pb_cmd_device_login(const struct pb_authority *a, const char *user, long timeout, struct pb_tokens *out,
                    const struct pb_log *log)
{
    struct pb_device_waiter waiter = { wall_clock, sleep_out, NULL };
    struct pb_device_grant g;
    enum pb_device_outcome o;
    enum pb_status r;
    long long now = (long long) time(NULL);

    memset(out, 0, sizeof(*out));
    if ((r = pb_device_start(&pb_http_curl_ops, a, now, &g, log)) != PB_OK)
        return r;
    show(&g);
    fprintf(stderr, "bearer-token: waiting for approval (at most %lld s)...\n",
            (g.expires < now + timeout ? g.expires : now + timeout) - now);
    o = pb_device_wait(&pb_http_curl_ops, a, &g, &waiter, now + timeout, out, log);
    if (o != PB_DEVICE_APPROVED)
        fprintf(stderr, "bearer-token: device login %s\n", pb_device_outcome_name(o));
    else if ((out->user = strdup(user)) == NULL) {
        pb_tokens_clear(out);
        o = PB_DEVICE_FAILED;
    }
    pb_device_clear(&g);
    return pb_device_status(o);
}
