/* A device login at the prompt (device_login, RFC 8628): the user answers
 * the first prompt with nothing, the module obtains a device code and puts
 * the URL and the code (and a QR code of the URL) into the text of a prompt,
 * because sshd's keyboard-interactive shows a message only together with
 * the next prompt.  Each answer to that prompt means "done"; the module
 * polls no sooner than the authority's interval however fast answers come,
 * then checks the token like a typed one and keeps it, with the refresh
 * token issued with it, for the session. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_ext.h>

#include "conf.h"
#include "device.h"
#include "internal.h"
#include "login.h"
#include "plugin.h"
#include "qr.h"
#include "secret.h"

/* The QR table lives in the HTTP plugin, loaded once like the HTTP table. */
static struct pb_plugin qr_plugin = { "pam_bearer-http.so", PB_QR_OPS_SYMBOL, PB_QR_OPS_VERSION, NULL };

struct prompter {
    struct pb_pam_args *args;
    const struct pb_device_grant *g;
    char *qr;                   /* drawn once, shown in the first prompt */
};

static long long
wall_clock(void *arg)
{
    (void) arg;
    return (long long) time(NULL);
}

/* Sleep until a time of the monotonic clock (the date may be set
 * meanwhile); no signal handler is involved. */
static void
sleep_until(const struct timespec *until)
{
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, until, NULL) == EINTR)
        ;
}

/* The waiter: a prompt (the user says when they are done), then the rest
 * of the interval.  A failed conversation stops the login. */
static int
prompt_then_sleep(void *arg, long seconds, int round)
{
    struct prompter *p = arg;
    const struct pb_device_grant *g = p->g;
    const char *uri = g->verification_uri_complete[0] ? g->verification_uri_complete : g->verification_uri;
    struct timespec until;
    char *resp = NULL;
    int code;

    /* The wait counts from before the prompt: the time spent answering is
     * part of it. */
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += seconds > 0 ? seconds : 0;
    if (round == 0)
        code = pam_prompt(p->args->pamh, PAM_PROMPT_ECHO_OFF, &resp,
                          "To log in, open %s\non any device and enter the code %s\n%s"
                          "Press Enter once you have approved the login: ",
                          uri, g->user_code, p->qr != NULL ? p->qr : "");
    else
        code = pam_prompt(p->args->pamh, PAM_PROMPT_ECHO_OFF, &resp,
                          "Not approved yet (code %s at %s).\nPress Enter once you have approved the login: ",
                          g->user_code, g->verification_uri);
    if (code != PAM_SUCCESS || resp == NULL) {
        pb_log(&p->args->log, LOG_NOTICE, "device login: the conversation ended (%s)",
               pam_strerror(p->args->pamh, code));
        return 1;
    }
    pb_secret_free_str(resp);
    sleep_until(&until);
    return 0;
}

/* Can anyone answer?  Not without a conversation, nor under PAM_SILENT
 * (cron, sudo -n with noninteractive_auth): the stack must not wait. */
static int
can_converse(struct pb_pam_args *args)
{
    const void *item = NULL;
    const struct pam_conv *conv;

    if (args->flags & PAM_SILENT)
        return 0;
    if (pam_get_item(args->pamh, PAM_CONV, &item) != PAM_SUCCESS || (conv = item) == NULL || conv->conv == NULL)
        return 0;
    return 1;
}

static void
tell(struct pb_pam_args *args, const char *what)
{
    pam_error(args->pamh, "Device login %s.", what);
}

int
pb_pam_device_login(struct pb_pam_args *args, const char *user)
{
    struct pb_authority a;
    struct pb_device_grant g;
    struct pb_tokens t = { 0 };
    struct pb_login_result result;
    struct prompter p = { args, &g, NULL };
    struct pb_device_waiter waiter = { wall_clock, prompt_then_sleep, &p };
    const struct pb_http_ops *http;
    const struct pb_qr_ops *qr;
    enum pb_device_outcome outcome;
    enum pb_status status;
    long long now;
    int code = PAM_AUTHINFO_UNAVAIL;

    pb_authority_init(&a, NULL);
    memset(&g, 0, sizeof(g));
    if (!can_converse(args)) {
        pb_log(&args->log, LOG_NOTICE, "device login: nobody can answer (%s); not attempted",
               args->flags & PAM_SILENT ? "PAM_SILENT" : "no conversation");
        goto done;
    }
    if (pb_conf_load_authority(args->cfg.config, args->cfg.authority, &a, &args->log) != PB_OK
        || (http = args->ctx.http(&args->log)) == NULL)
        goto done;
    now = (long long) time(NULL);
    if (pb_device_start(http, &a, now, &g, &args->log) != PB_OK) {
        tell(args, "is not available");
        goto done;
    }
    if ((qr = pb_plugin_load(&qr_plugin, &args->log)) != NULL)
        p.qr = qr->text(g.verification_uri_complete[0] ? g.verification_uri_complete : g.verification_uri);
    outcome = pb_device_wait(http, &a, &g, &waiter, now + args->cfg.device_timeout, &t, &args->log);
    if (outcome != PB_DEVICE_APPROVED) {
        if (outcome != PB_DEVICE_CANCELLED)
            tell(args, pb_device_outcome_name(outcome));
        code = pb_pam_code(PB_PHASE_AUTH, pb_device_status(outcome), PB_R_NONE);
        goto done;
    }
    /* The same checks as a typed token, at the time it arrived: a code
     * approved by someone else carries their name and is refused. */
    args->ctx.now = time(NULL);
    status = pb_login_token_as(&args->ctx, PB_LOGIN_DEVICE, user, t.access, strlen(t.access), &result);
    code = pb_pam_code(PB_PHASE_AUTH, status, result.verdict.reason);
    if (code != PAM_SUCCESS) {
        tell(args, "refused");
        goto done;
    }
    pb_pam_remember_token(args, t.access, strlen(t.access));
    /* The refresh token goes with it: the session renews without a login. */
    code = pb_pam_keep_tokens(args, user, &t);
done:
    free(p.qr);
    pb_tokens_clear(&t);
    pb_device_clear(&g);
    pb_authority_clear(&a);
    return code;
}
