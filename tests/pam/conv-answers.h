/* conv-answers.h: the one PAM conversation of the test drivers, the fuzz
 * target and the benchmarks: prompts get answers, messages get none. */
#ifndef PB_CONV_ANSWERS_H
#define PB_CONV_ANSWERS_H

#include <stdio.h>

#include <security/pam_appl.h>

enum conv_mode {
    CONV_SAME,  /* every prompt gets all of text, byte for byte */
    CONV_LINES, /* prompt N gets line N of text; none left: PAM_CONV_ERR */
    CONV_PARTS, /* prompt N gets line N of text, the last line again after */
    CONV_LIST,  /* prompt N gets list[N-1]; none left: PAM_CONV_ERR, or no
                 * answer (a NULL resp) if null_at_end */
};

struct conv_answers {
    enum conv_mode mode;
    const char *text;        /* CONV_SAME, CONV_LINES, CONV_PARTS */
    char *const *list;       /* CONV_LIST */
    int count;               /* CONV_LIST: entries in list */
    int null_at_end;         /* CONV_LIST */
    int refuse;              /* every prompt: PAM_CONV_ERR (a preset token) */
    FILE *trace;             /* if set, each prompt and message is written
                              * there as "PREFIX: prompt N (echo off): TEXT" */
    const char *prefix;
    int prompts;             /* prompts seen so far, over every call */
};

/* A struct pam_conv's conv: APPDATA is a struct conv_answers.  Returns
 * PAM_SUCCESS with one reply per message (the caller, libpam, frees them),
 * or PAM_CONV_ERR / PAM_BUF_ERR and no replies. */
int conv_answers(int num_msg, const struct pam_message **msg, struct pam_response **resp,
                 void *appdata);

#endif
