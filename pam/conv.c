/* Reading the token from the conversation, whole or in parts.  ssh passes
 * at most 1,023 bytes of an answer and sudo refuses 512 or more, so a long
 * token comes in parts: each part but the last ends with a backslash (never
 * part of a compact JWS), and the module asks "Token part N: " for the
 * next.  All of the conversation is here. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_ext.h>

#include "internal.h"
#include "credential.h"
#include "ldap-auth.h"
#include "secret.h"

/* The lengths at which ssh and sudo cut an answer. */
#define SSH_CUT 1023
#define SUDO_CUT 511

int
pb_pam_continue_token(struct pb_pam_args *args, const char **token)
{
    const char *first = *token;
    const void *item = NULL;
    size_t len = strlen(first), cap = PB_JWS_MAX_TOKEN + 1;
    char *buf, *prev = NULL;
    int code = PAM_AUTH_ERR;

    if (args->cfg.token_parts < 2 || len < 2 || first[len - 1] != '\\' || !pb_credential_token_prefix(first, len - 1))
        return PAM_SUCCESS;     /* a whole answer: nothing to add */
    /* Bounded before the copy: sshd passes an answer of any length. */
    if (len - 1 > PB_JWS_MAX_TOKEN) {
        pb_log(&args->log, LOG_NOTICE, "rejected: too-large: token part 1 of %zu bytes exceeds %d", len - 1,
               PB_JWS_MAX_TOKEN);
        return PAM_AUTH_ERR;
    }
    if ((buf = malloc(cap)) == NULL || (prev = strdup(first)) == NULL) {
        free(buf);
        return PAM_BUF_ERR;
    }
    memcpy(buf, first, len - 1);
    len--;
    for (long part = 2;; part++) {
        char *resp = NULL;
        size_t n;
        int more;

        if (part > args->cfg.token_parts) {
            pb_log(&args->log, LOG_NOTICE, "rejected: too-large: more than %ld token parts", args->cfg.token_parts);
            goto done;
        }
        if (pam_prompt(args->pamh, PAM_PROMPT_ECHO_OFF, &resp, "Token part %ld: ", part) != PAM_SUCCESS
            || resp == NULL) {
            pb_log(&args->log, LOG_NOTICE, "rejected: not-a-token: the conversation ended before token part %ld",
                   part);
            code = PAM_AUTH_ERR;
            goto done;
        }
        /* sshd's password method answers every prompt with the same text. */
        if (strcmp(prev, resp) == 0) {
            pb_log(&args->log, LOG_NOTICE, "rejected: not-a-token: the same answer to token part %ld "
                   "(token parts need keyboard-interactive, not the password method)", part);
            pb_secret_free_str(resp);
            goto done;
        }
        n = strlen(resp);
        more = n > 0 && resp[n - 1] == '\\';
        if (more)
            n--;
        if (n > PB_JWS_MAX_TOKEN - len) {
            pb_log(&args->log, LOG_NOTICE, "rejected: too-large: token part %ld takes the token past %d bytes",
                   part, PB_JWS_MAX_TOKEN);
            pb_secret_free_str(resp);
            goto done;
        }
        if (n == 0 || !pb_credential_is_token_text(resp, n)) {
            pb_log(&args->log, LOG_NOTICE, "rejected: malformed: token part %ld is not a piece of a token", part);
            pb_secret_free_str(resp);
            goto done;
        }
        memcpy(buf + len, resp, n);
        len += n;
        pb_secret_free_str(prev);
        prev = resp;
        if (!more)
            break;
    }
    buf[len] = '\0';
    /* libpam keeps a copy; later modules of the stack see the whole token. */
    if (pam_set_item(args->pamh, PAM_AUTHTOK, buf) != PAM_SUCCESS
        || pam_get_item(args->pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS || item == NULL)
        goto done;
    pb_log(&args->log, LOG_DEBUG, "token read in parts: %zu bytes", len);
    *token = item;
    code = PAM_SUCCESS;
done:
    pb_secret_free_str(prev);
    if (buf != NULL)
        pb_secret_free(buf, cap);
    return code;
}

void
pb_pam_explain_cut(struct pb_pam_args *args, size_t len)
{
    const char *who = len == SSH_CUT ? "ssh" : len == SUDO_CUT ? "sudo" : NULL;
    const void *item = NULL;

    /* Only what began as a token: a 1,023-byte password is just wrong. */
    if (who == NULL || pam_get_item(args->pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS || item == NULL
        || strncmp(item, "eyJ", 3) != 0)
        return;
    pb_log(&args->log, LOG_NOTICE, "the refused token is exactly %zu bytes, where %s cuts answers: it was "
           "probably truncated; send it in parts (end each but the last with a backslash)", len, who);
    if (!(args->flags & PAM_SILENT))
        pam_error(args->pamh, "Your token looks cut at %zu bytes by %s. Send it in parts "
                  "(bearer-token askpass does this).", len, who);
}

/* Tell the user what the directory said, unless asked to be silent. */
void
pb_pam_show_note(struct pb_pam_args *args, const struct pb_ldap_note *note)
{
    if (note->text[0] == '\0' || (args->flags & PAM_SILENT))
        return;
    if (note->is_error)
        pam_error(args->pamh, "%s", note->text);
    else
        pam_info(args->pamh, "%s", note->text);
}
