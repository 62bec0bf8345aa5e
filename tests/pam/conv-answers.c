/* conv-answers.c: the one PAM conversation of the test drivers, the fuzz
 * target and the benchmarks (see conv-answers.h). */
#include "conv-answers.h"

#include <stdlib.h>
#include <string.h>

/* Wipes and frees N replies. */
static void
free_replies(struct pam_response *reply, int n)
{
    for (int i = 0; i < n; i++) {
        if (reply[i].resp != NULL) {
            explicit_bzero(reply[i].resp, strlen(reply[i].resp));
            free(reply[i].resp);
        }
    }
    free(reply);
}

/* Line N (from 1) of TEXT; with LAST_REPEATS the last line stands for any
 * beyond it.  NULL when there is none. */
static const char *
nth_line(const char *text, int n, int last_repeats)
{
    const char *line = text, *nl;

    for (int k = 1; k < n && line != NULL; k++) {
        nl = strchr(line, '\n');
        if (last_repeats && (nl == NULL || nl[1] == '\0'))
            break;
        line = nl != NULL ? nl + 1 : NULL;
    }
    return line != NULL && (*line != '\0' || last_repeats) ? line : NULL;
}

/* The answer to prompt A->prompts: 0 with *OUT a new string (NULL for "no
 * answer"), or a PAM error. */
static int
answer(struct conv_answers *a, char **out)
{
    const char *line;

    *out = NULL;
    switch (a->mode) {
    case CONV_SAME:
        *out = strdup(a->text);
        break;
    case CONV_LINES:
    case CONV_PARTS:
        line = nth_line(a->text, a->prompts, a->mode == CONV_PARTS);
        if (line == NULL) {
            if (a->trace != NULL)
                fprintf(a->trace, "%s: no answer left for prompt %d\n", a->prefix, a->prompts);
            return PAM_CONV_ERR;
        }
        *out = strndup(line, strcspn(line, "\n"));
        break;
    case CONV_LIST:
        if (a->prompts > a->count)
            return a->null_at_end ? PAM_SUCCESS : PAM_CONV_ERR;
        *out = strdup(a->list[a->prompts - 1]);
        break;
    default:
        return PAM_CONV_ERR;
    }
    return *out != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
}

int
conv_answers(int num_msg, const struct pam_message **msg, struct pam_response **resp,
             void *appdata)
{
    struct conv_answers *a = appdata;
    struct pam_response *reply;
    const char *prefix = a->prefix != NULL ? a->prefix : "conv";
    int rc = PAM_SUCCESS;

    if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG || resp == NULL)
        return PAM_CONV_ERR;
    reply = calloc((size_t) num_msg, sizeof(*reply));
    if (reply == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < num_msg && rc == PAM_SUCCESS; i++) {
        const char *text = msg[i]->msg != NULL ? msg[i]->msg : "";

        switch (msg[i]->msg_style) {
        case PAM_PROMPT_ECHO_OFF:
        case PAM_PROMPT_ECHO_ON:
            a->prompts++;
            if (a->trace != NULL)
                fprintf(a->trace, "%s: prompt %d (%s): %s\n", prefix, a->prompts,
                        msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ? "echo off" : "echo on", text);
            if (a->refuse) {
                if (a->trace != NULL)
                    fprintf(a->trace, "%s: --preset, refusing to answer\n", prefix);
                rc = PAM_CONV_ERR;
                break;
            }
            rc = answer(a, &reply[i].resp);
            break;
        case PAM_ERROR_MSG:
            if (a->trace != NULL)
                fprintf(a->trace, "%s: error message: %s\n", prefix, text);
            break;
        case PAM_TEXT_INFO:
            if (a->trace != NULL)
                fprintf(a->trace, "%s: info message: %s\n", prefix, text);
            break;
        default:
            if (a->trace != NULL)
                fprintf(a->trace, "%s: unknown message style %d\n", prefix, msg[i]->msg_style);
            rc = PAM_CONV_ERR;
        }
    }
    if (rc != PAM_SUCCESS) {
        free_replies(reply, num_msg);
        return rc;
    }
    *resp = reply;
    return PAM_SUCCESS;
}
