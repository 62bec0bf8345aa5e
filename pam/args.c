/* Module arguments and configuration, and what the core is handed: the
 * log, the clock, and the plugins loaded from the module's own directory. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <security/pam_ext.h>

#include "http.h"
#include "internal.h"
#include "jwks-source.h"
#include "ldap-auth.h"
#include "metrics.h"
#include "plugin.h"

/* Loaded on first use, kept for the life of the process: pam_bearer-ldap.so
 * when a password arrives, pam_bearer-http.so when keys must be fetched. */
static struct pb_plugin ldap_plugin = { "pam_bearer-ldap.so", PB_LDAP_OPS_SYMBOL, PB_LDAP_OPS_VERSION, NULL };
static struct pb_plugin http_plugin = { "pam_bearer-http.so", PB_HTTP_OPS_SYMBOL, PB_HTTP_OPS_VERSION, NULL };

static const struct pb_ldap_ops *
ldap_ops(const struct pb_log *log)
{
    return pb_plugin_load(&ldap_plugin, log);
}

static const struct pb_http_ops *
http_ops(const struct pb_log *log)
{
    return pb_plugin_load(&http_plugin, log);
}

static void
syslog_sink(void *ctx, int priority, const char *line)
{
    pam_syslog((pam_handle_t *) ctx, priority, "%s", line);
}

int
pb_pam_args_new(struct pb_pam_args *args, pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    enum pb_status status;

    memset(args, 0, sizeof(*args));
    args->pamh = pamh;
    args->flags = flags;
    args->log.sink = syslog_sink;
    args->log.ctx = pamh;
    args->ctx.cfg = &args->cfg;
    args->ctx.log = &args->log;
    args->ctx.now = time(NULL);
    args->ctx.keys = pb_jwks_get;
    args->ctx.http = http_ops;
    args->ctx.ldap = ldap_ops;
    status = pb_conf_load_options(&args->cfg, argc, argv, &args->log);
    /* Counted by the process's one mapping of the counters (root only); an
     * installed but unconfigured module makes no file. */
    if (status != PB_OK || pb_config_has_source(&args->cfg))
        args->ctx.metrics = pb_metrics_process(args->cfg.metrics_file, &args->log);
    if (status == PB_CONFIG)
        pb_metrics_add(args->ctx.metrics, PB_M_CONFIG_ERROR);
    if (args->cfg.journal_socket != NULL) {
        const void *service = NULL;
        if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS || service == NULL)
            service = "?";
        snprintf(args->journal_prefix, sizeof(args->journal_prefix), "pam_bearer(%.64s)", (const char *) service);
        args->journal.socket = args->cfg.journal_socket;
        args->journal.identifier = program_invocation_short_name;
        args->journal.prefix = args->journal_prefix;
        args->ctx.journal = &args->journal;
    }
    if (status == PB_OK && !pb_config_has_source(&args->cfg)) {
        status = PB_UNCONFIGURED;
        if (pb_pam_first_notice(args))
            pb_log(&args->log, LOG_NOTICE,
                   "unconfigured: no jwks, discovery, hmac_key_file, ldap_uri or session tokens in %s or on the "
                   "module line; the module stands aside (PAM_IGNORE)", args->cfg.config);
    }
    return pb_pam_code(PB_PHASE_AUTH, status, PB_R_NONE);
}

void
pb_pam_args_free(struct pb_pam_args *args)
{
    pb_config_free(&args->cfg);
}

int
pb_pam_get_user(struct pb_pam_args *args, const char **user, int log_failure)
{
    int code = pam_get_user(args->pamh, user, NULL);

    if (code == PAM_SUCCESS && *user != NULL && (*user)[0] != '\0')
        return PAM_SUCCESS;
    if (log_failure)
        pb_log(&args->log, LOG_ERR, "cannot determine the user: %s", pam_strerror(args->pamh, code));
    return code == PAM_SUCCESS ? PAM_USER_UNKNOWN : code;
}
