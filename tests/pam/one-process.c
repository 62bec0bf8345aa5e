/*
 * one-process: COUNT logins with sessions in one process, as a long-lived
 * daemon runs the module, to check under valgrind that nothing stays behind:
 * no leak, no file descriptor, no child process.  Real libpam; the service
 * file comes from a private directory (pam_start_confdir).
 *
 * Usage: one-process CONFDIR SERVICE USER TOKENFILE COUNT
 *
 * Each round: pam_start_confdir, pam_authenticate (answering with the
 * token), pam_open_session, pam_close_session, pam_end.  Prints
 * "success N" (rounds where all four succeeded), "fds-before N" (after the
 * first round), "fds-after N" and "children N" (unreaped children at the
 * end); ONE_PROCESS_LIST_FDS=1 also lists the open descriptors.  Exits 0
 * when the run happened, 2 on a usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "conv-answers.h"

static char token[64 * 1024];

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

int
main(int argc, char **argv)
{
	struct conv_answers answers = { .mode = CONV_SAME, .text = token };
	struct pam_conv pc = { conv_answers, &answers };
	int count, success = 0, children = 0, before;
	FILE *f;
	size_t len;

	if (argc != 6 || (count = atoi(argv[5])) <= 0) {
		fprintf(stderr, "usage: one-process CONFDIR SERVICE USER TOKENFILE COUNT\n");
		return 2;
	}
	if (count < 2) {
		fprintf(stderr, "one-process: COUNT must be at least 2\n");
		return 2;
	}
	if ((f = fopen(argv[4], "r")) == NULL) {
		perror(argv[4]);
		return 2;
	}
	len = fread(token, 1, sizeof(token) - 1, f);
	fclose(f);
	token[len] = '\0';
	/* Counted after the first round: what libraries open once and keep
	 * (nss_wrapper's files, say) is not a leak; what grows per login is. */
	before = -1;
	for (int i = 0; i < count; i++) {
		if (i == 1)
			before = open_fds();
		pam_handle_t *pamh = NULL;
		int rc = pam_start_confdir(argv[2], argv[3], &pc, argv[1], &pamh);
		if (rc == PAM_SUCCESS && (rc = pam_authenticate(pamh, 0)) == PAM_SUCCESS
		    && (rc = pam_open_session(pamh, 0)) == PAM_SUCCESS && (rc = pam_close_session(pamh, 0)) == PAM_SUCCESS)
			success++;
		else if (i == 0)
			fprintf(stderr, "one-process: round 1: %s\n", pam_strerror(pamh, rc));
		if (pamh != NULL)
			pam_end(pamh, rc);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		children++;
	printf("success %d\nfds-before %d\nfds-after %d\nchildren %d\n", success, before, open_fds(), children);
	if (getenv("ONE_PROCESS_LIST_FDS") != NULL) {
		char cmd[64];
		snprintf(cmd, sizeof(cmd), "ls -l /proc/%d/fd >&2", (int) getpid());
		if (system(cmd) != 0)
			return 2;
	}
	return 0;
}
