/* Module arguments and configuration, and the status-to-PAM-code table. */
#include "config.h"

#include <string.h>

#include <security/pam_ext.h>

#include "http.h"
#include "internal.h"
#include "status.h"

static void
syslog_sink(void *ctx, int priority, const char *line)
{
    pam_syslog((pam_handle_t *) ctx, priority, "%s", line);
}

int
pb_pam_code(int status)
{
    static const int codes[] = {
        [PB_OK] = PAM_SUCCESS,
        [PB_REJECTED] = PAM_AUTH_ERR,
        [PB_UNAVAILABLE] = PAM_AUTHINFO_UNAVAIL,
        [PB_CONFIG] = PAM_SERVICE_ERR,
        [PB_NOMEM] = PAM_BUF_ERR,
        [PB_SYSTEM] = PAM_SYSTEM_ERR,
        /* Installed but not set up: other modules decide.  Only the absence of
         * every key source and LDAP server is this; a configuration that
         * cannot be read or is wrong stays PB_CONFIG, and fails closed. */
        [PB_UNCONFIGURED] = PAM_IGNORE,
    };

    if (status >= 0 && (size_t) status < sizeof(codes) / sizeof(codes[0]))
        return codes[status];
    return PAM_SERVICE_ERR;   /* unknown outcomes never become success */
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
    pb_http_set_provider(pb_pam_http_ops);   /* loaded only if keys must be fetched */
    status = pb_config_load(&args->cfg, argc, argv, &args->log);
    if (status == PB_OK && !pb_config_has_source(&args->cfg)) {
        status = PB_UNCONFIGURED;
        if (pb_pam_first_notice(args))
            pb_log(&args->log, LOG_NOTICE,
                   "unconfigured: no jwks, discovery, hmac_key_file or ldap_uri in %s or on the module line; "
                   "the module stands aside (PAM_IGNORE)", args->cfg.config);
    }
    return pb_pam_code(status);
}

void
pb_pam_args_free(struct pb_pam_args *args)
{
    pb_config_free(&args->cfg);
}
