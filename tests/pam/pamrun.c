/*
 * pamrun: run pam_authenticate for one service and user through libpamtest,
 * answering every prompt with the bytes of a token file.
 *
 * Usage: pamrun [--preset|--account|--session|--ops LIST] SERVICE USER TOKENFILE
 *
 * --account: run pam_acct_mgmt instead of pam_authenticate.
 *
 * --session: pam_authenticate, pam_open_session, the PAM environment and
 * pam_close_session; prints the authentication result, then "open CODE",
 * the BEARER_TOKEN_* entries of the environment, and "close CODE".
 *
 * Prints the name of the PAM result (PAM_SUCCESS, PAM_AUTH_ERR, ...) on
 * standard output and exits 0 when the run happened; exits 2 on a usage or
 * harness error.  The token is passed whole, without stripping a newline, so
 * fixtures can carry exact bytes (a C string: a NUL ends it).  Prompts and
 * messages from the module are echoed to standard error, never the answer.
 *
 * --preset: do not answer prompts; instead put the token in the process
 * environment as PAM_AUTHTOK for pam_wrapper's pam_set_items.so, which a
 * service file places before the module (for use_first_pass and friends).
 * Applications cannot set PAM_AUTHTOK themselves (libpam refuses it).
 *
 * --ops LIST: one PAM handle, and in it the operations of the comma-separated
 * LIST in order, each run whatever the one before returned: auth, account,
 * chauthtok, chauthtok-expired (pam_chauthtok with PAM_CHANGE_EXPIRED_AUTHTOK).
 * Prints "OP RESULT" for each.  The file holds one answer per line and prompt
 * N gets line N; a prompt beyond the last line is refused (PAM_CONV_ERR).
 * This is a login as sshd runs it: authenticate, account, and the password
 * change the account phase asked for, in one handle.  auth-silent is
 * pam_authenticate with PAM_SILENT (cron, sudo -n).
 *
 * PAMRUN_NO_CONV=1 in the environment (--ops only): the application gives
 * no conversation function at all.
 *
 * PAMRUN_PARTS=1 in the environment: the token file holds one answer per
 * line, and prompt N gets line N (the last line once they run out): a
 * client answering continuation prompts, as ssh's keyboard-interactive does.
 *
 * PAMRUN_RUID=N in the environment: PAM runs with real uid N and effective
 * uid 0, as in sudo (set here, after the exec, so that LD_PRELOAD is not
 * dropped as it would be for an exec with differing real and effective uid).
 *
 * A run that takes longer than RUN_TIMEOUT seconds dies of SIGALRM.
 *
 * Meant to run under pam_wrapper (LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1
 * PAM_WRAPPER_SERVICE_DIR=DIR) so that SERVICE comes from a private directory.
 */
#define _GNU_SOURCE	/* setresuid */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <libpamtest.h>

#include "conv-answers.h"

/* Refuse fixture files beyond this; the largest test token is about 1 MiB. */
#define MAX_TOKEN_FILE (8u * 1024u * 1024u)

/* A module that hangs is killed by SIGALRM after this many seconds. */
#define RUN_TIMEOUT 60

static const char *
pam_code_name(int rv)
{
	switch (rv) {
#define N(x) case x: return #x
	N(PAM_SUCCESS);
	N(PAM_OPEN_ERR);
	N(PAM_SYMBOL_ERR);
	N(PAM_SERVICE_ERR);
	N(PAM_SYSTEM_ERR);
	N(PAM_BUF_ERR);
	N(PAM_PERM_DENIED);
	N(PAM_AUTH_ERR);
	N(PAM_CRED_INSUFFICIENT);
	N(PAM_AUTHINFO_UNAVAIL);
	N(PAM_USER_UNKNOWN);
	N(PAM_MAXTRIES);
	N(PAM_NEW_AUTHTOK_REQD);
	N(PAM_ACCT_EXPIRED);
	N(PAM_SESSION_ERR);
	N(PAM_CRED_UNAVAIL);
	N(PAM_CRED_EXPIRED);
	N(PAM_CRED_ERR);
	N(PAM_NO_MODULE_DATA);
	N(PAM_CONV_ERR);
	N(PAM_AUTHTOK_ERR);
	N(PAM_AUTHTOK_RECOVERY_ERR);
	N(PAM_AUTHTOK_LOCK_BUSY);
	N(PAM_AUTHTOK_DISABLE_AGING);
	N(PAM_TRY_AGAIN);
	N(PAM_IGNORE);
	N(PAM_ABORT);
	N(PAM_AUTHTOK_EXPIRED);
	N(PAM_MODULE_UNKNOWN);
	N(PAM_BAD_ITEM);
	N(PAM_CONV_AGAIN);
	N(PAM_INCOMPLETE);
#undef N
	default:
		return NULL;
	}
}

/* Reads PATH whole into a new NUL-terminated buffer; caller frees.  A NUL in
 * the file ends the token as libpam will see it. */
static char *
read_token(const char *path)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "pamrun: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb;

			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > MAX_TOKEN_FILE + 4096) {
				fprintf(stderr, "pamrun: %s: too large\n", path);
				goto fail;
			}
			nb = realloc(buf, cap);
			if (nb == NULL) {
				fprintf(stderr, "pamrun: out of memory\n");
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "pamrun: %s: read error\n", path);
		goto fail;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

static const char *
result_name(int rv, char *buf, size_t cap)
{
	const char *name = pam_code_name(rv);

	if (name != NULL)
		return name;
	snprintf(buf, cap, "PAM_UNKNOWN_%d", rv);
	return buf;
}

/* --ops: the operations of list in one handle, straight through libpam. */
static int
run_ops(char *list, const char *service, const char *user, struct conv_answers *a)
{
	struct pam_conv pconv = { conv_answers, a };
	pam_handle_t *pamh = NULL;
	char buf[32], *op, *save = NULL;
	int rv;

	if (getenv("PAMRUN_NO_CONV") != NULL)
		pconv.conv = NULL;

	rv = pam_start(service, user, &pconv, &pamh);
	if (rv != PAM_SUCCESS) {
		fprintf(stderr, "pamrun: pam_start: %s\n", result_name(rv, buf, sizeof(buf)));
		return 2;
	}
	for (op = strtok_r(list, ",", &save); op != NULL; op = strtok_r(NULL, ",", &save)) {
		if (strcmp(op, "auth") == 0)
			rv = pam_authenticate(pamh, 0);
		else if (strcmp(op, "auth-silent") == 0)
			rv = pam_authenticate(pamh, PAM_SILENT);
		else if (strcmp(op, "account") == 0)
			rv = pam_acct_mgmt(pamh, 0);
		else if (strcmp(op, "chauthtok") == 0)
			rv = pam_chauthtok(pamh, 0);
		else if (strcmp(op, "chauthtok-expired") == 0)
			rv = pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK);
		else {
			fprintf(stderr, "pamrun: unknown operation %s\n", op);
			pam_end(pamh, PAM_ABORT);
			return 2;
		}
		printf("%s %s\n", op, result_name(rv, buf, sizeof(buf)));
	}
	pam_end(pamh, rv);
	fprintf(stderr, "pamrun: %d prompt(s)\n", a->prompts);
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	/* Prompts and messages echoed to standard error, never the answer. */
	struct conv_answers a = { .mode = CONV_SAME, .trace = stderr, .prefix = "pamrun" };
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
		pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	size_t ncases = 1;
	enum pamtest_err perr;
	const char *name;
	char *token;
	int argi = 1;

	alarm(RUN_TIMEOUT);
	if (argc > 1 && strcmp(argv[1], "--preset") == 0) {
		a.refuse = 1;
		argi++;
	} else if (argc > 1 && strcmp(argv[1], "--account") == 0) {
		/* The account phase alone: no prompts, the token file is unused. */
		tests[0].pam_operation = PAMTEST_ACCOUNT;
		a.refuse = 1;
		argi++;
	} else if (argc > 1 && strcmp(argv[1], "--session") == 0) {
		ncases = 4;
		argi++;
	} else if (argc > 2 && strcmp(argv[1], "--ops") == 0) {
		a.mode = CONV_LINES;
		argi += 2;
	}
	if (argc - argi != 3) {
		fprintf(stderr,
			"usage: pamrun [--preset|--account|--session|--ops LIST] SERVICE USER TOKENFILE\n");
		return 2;
	}
	token = read_token(argv[argi + 2]);
	if (token == NULL)
		return 2;
	a.text = token;
	if (a.mode == CONV_SAME && getenv("PAMRUN_PARTS") != NULL)
		a.mode = CONV_PARTS;
	if (a.mode == CONV_LINES) {
		int rc = 2;
		if (getenv("PAMRUN_RUID") == NULL
		    || setresuid((uid_t)strtoul(getenv("PAMRUN_RUID"), NULL, 10), 0, 0) == 0)
			rc = run_ops(argv[2], argv[argi], argv[argi + 1], &a);
		else
			fprintf(stderr, "pamrun: setresuid: %s\n", strerror(errno));
		memset(token, 0, strlen(token));
		free(token);
		return rc;
	}
	if (a.refuse && tests[0].pam_operation == PAMTEST_AUTHENTICATE
	    && setenv("PAM_AUTHTOK", token, 1) != 0) {
		fprintf(stderr, "pamrun: setenv: %s\n", strerror(errno));
		free(token);
		return 2;
	}

	if (getenv("PAMRUN_RUID") != NULL
	    && setresuid((uid_t)strtoul(getenv("PAMRUN_RUID"), NULL, 10), 0, 0) != 0) {
		fprintf(stderr, "pamrun: setresuid: %s\n", strerror(errno));
		free(token);
		return 2;
	}

	/* _pamtest_conv directly: the header's run_pamtest_conv() macro is
	 * malformed in libpamtest 1.1.4 (misplaced parenthesis). */
	perr = _pamtest_conv(argv[argi], argv[argi + 1], conv_answers, &a, tests, ncases, NULL);

	memset(token, 0, strlen(token));
	free(token);
	if (a.refuse)
		unsetenv("PAM_AUTHTOK");

	if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE) {
		fprintf(stderr, "pamrun: %s\n", pamtest_strerror(perr));
		return 2;
	}
	name = pam_code_name(tests[0].op_rv);
	if (name != NULL)
		printf("%s\n", name);
	else
		printf("PAM_UNKNOWN_%d\n", tests[0].op_rv);
	for (size_t i = 1; i < ncases; i++) {
		const char *what = i == 1 ? "open" : i == 3 ? "close" : NULL;
		if (what != NULL)
			printf("%s %s\n", what, pam_code_name(tests[i].op_rv) ? pam_code_name(tests[i].op_rv) : "PAM_UNKNOWN");
		if (tests[i].pam_operation == PAMTEST_GETENVLIST && tests[i].case_out.envlist != NULL) {
			for (char **e = tests[i].case_out.envlist; *e != NULL; e++)
				if (strncmp(*e, "BEARER_TOKEN_", 13) == 0)
					printf("env %s\n", *e);
			pamtest_free_env(tests[i].case_out.envlist);
		}
	}
	fprintf(stderr, "pamrun: %d prompt(s)\n", a.prompts);
	/* Flush now: a leak checker may end the process before exit() would. */
	fflush(stdout);
	return 0;
}
