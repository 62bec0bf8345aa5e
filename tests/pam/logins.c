/*
 * logins: many PAM token logins, each in its own short-lived process, the
 * way sshd or login run the module.  Real libpam, the service file read from
 * a private directory with pam_start_confdir (no root, no pam_wrapper).
 *
 * Usage: logins CONFDIR SERVICE USER TOKENFILE COUNT PARALLEL
 *
 * Starts COUNT processes, at most PARALLEL at a time.  Each batch of
 * PARALLEL waits at a common barrier and starts together, so PARALLEL=COUNT
 * gives COUNT simultaneous logins on whatever state the cache is in.  Every
 * child answers the module's prompt with the token, runs pam_authenticate
 * once, and reports its result and whether libcurl or libldap was mapped
 * afterwards (the warm path must load neither).
 *
 * Prints one line per PAM result ("PAM_SUCCESS 1000") and the lines
 * "curl-mapped N" and "ldap-mapped N"; exits 0 when every child reported,
 * 2 on a usage or harness error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "conv-answers.h"

#define MAX_TOKEN (1024 * 1024)
#define RUN_TIMEOUT 60

static const char *token;

/* Which libraries this process has mapped: bit 1 libcurl, bit 2 libldap. */
static int
mapped_libraries(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "/libcurl") != NULL)
			found |= 1;
		if (strstr(line, "/libldap") != NULL)
			found |= 2;
	}
	fclose(f);
	return found;
}

/* One login; the exit status carries the PAM result and the mapping bits. */
static void
child(int barrier, const char *confdir, const char *service, const char *user)
{
	struct conv_answers answers = { .mode = CONV_SAME, .text = token };
	struct pam_conv pc = { conv_answers, &answers };
	pam_handle_t *pamh = NULL;
	char go;
	int rc;

	alarm(RUN_TIMEOUT);
	if (read(barrier, &go, 1) < 0)
		_exit(255);
	close(barrier);
	rc = pam_start_confdir(service, user, &pc, confdir, &pamh);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	if (rc < 0 || rc > 63)
		_exit(254);
	_exit(rc | mapped_libraries() << 6);
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "logins: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_TOKEN + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, MAX_TOKEN, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

int
main(int argc, char **argv)
{
	long count, parallel, started = 0;
	long results[64] = { 0 }, curl_mapped = 0, ldap_mapped = 0, failed = 0;
	char *tok;

	if (argc != 7 || (count = strtol(argv[5], NULL, 10)) <= 0
	    || (parallel = strtol(argv[6], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: logins CONFDIR SERVICE USER TOKENFILE COUNT PARALLEL\n");
		return 2;
	}
	if ((tok = read_file(argv[4])) == NULL)
		return 2;
	token = tok;
	while (started < count) {
		long batch = count - started < parallel ? count - started : parallel;
		int fds[2];

		if (pipe(fds) != 0) {
			perror("logins: pipe");
			return 2;
		}
		for (long i = 0; i < batch; i++) {
			pid_t pid = fork();
			if (pid < 0) {
				perror("logins: fork");
				return 2;
			}
			if (pid == 0) {
				close(fds[1]);
				child(fds[0], argv[1], argv[2], argv[3]);
			}
		}
		close(fds[0]);
		close(fds[1]);   /* end of file at the barrier: all go */
		for (long i = 0; i < batch; i++) {
			int status;
			if (wait(&status) < 0) {
				perror("logins: wait");
				return 2;
			}
			if (!WIFEXITED(status) || WEXITSTATUS(status) >= 254) {
				failed++;
				continue;
			}
			results[WEXITSTATUS(status) & 63]++;
			curl_mapped += (WEXITSTATUS(status) >> 6) & 1;
			ldap_mapped += (WEXITSTATUS(status) >> 7) & 1;
		}
		started += batch;
	}
	for (int rc = 0; rc < 64; rc++) {
		static const char *const names[] = {
			[PAM_SUCCESS] = "PAM_SUCCESS", [PAM_AUTH_ERR] = "PAM_AUTH_ERR",
			[PAM_AUTHINFO_UNAVAIL] = "PAM_AUTHINFO_UNAVAIL", [PAM_SERVICE_ERR] = "PAM_SERVICE_ERR",
			[PAM_USER_UNKNOWN] = "PAM_USER_UNKNOWN", [PAM_SYSTEM_ERR] = "PAM_SYSTEM_ERR",
		};
		if (results[rc] == 0)
			continue;
		if (rc < (int) (sizeof(names) / sizeof(names[0])) && names[rc] != NULL)
			printf("%s %ld\n", names[rc], results[rc]);
		else
			printf("PAM_CODE_%d %ld\n", rc, results[rc]);
	}
	printf("curl-mapped %ld\nldap-mapped %ld\n", curl_mapped, ldap_mapped);
	if (failed > 0)
		printf("crashed %ld\n", failed);
	free(tok);
	return 0;
}
