/* HTTP through libcurl against a real loopback HTTPS server: the test
 * starts tests/fixtures/authority.py itself (its own test CA, an ephemeral
 * port) and chooses its behaviour per case through the state directory.
 * Skipped without python3; nothing leaves 127.0.0.1.  Also: validators and
 * Retry-After kept within their bounds, conditional requests and 304s. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log-capture.h"
#include "tap.h"

extern char **environ;

static const struct pb_log test_log = { capture, NULL, 0 };
static char dir[] = "/tmp/http-curl-t.XXXXXX";
static char state[48], ca[96], other_ca[96], base[64];
static const char *python;
static pid_t server = -1;

static void
bail(const char *why)
{
    printf("Bail out! %s\n", why);
    exit(99);
}

/* Runs argv (stdout to /dev/null); its exit status, or -1. */
static int
run(char *const argv[], pid_t *pid_out)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int st = -1;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
        pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (pid_out != NULL) {
        *pid_out = pid;
        return pid > 0 ? 0 : -1;
    }
    if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
        return WEXITSTATUS(st);
    return -1;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Writes text to STATE/name; NULL removes it. */
static void
set_state(const char *name, const char *text, size_t len)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", state, name);
    if (text == NULL) {
        if (unlink(path) != 0 && errno != ENOENT)
            bail("cannot remove a state file");
        return;
    }
    if ((f = fopen(path, "w")) == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        bail("cannot write a state file");
}

/* Lines in STATE/requests.log: the requests that reached the server. */
static int
requests(void)
{
    char path[128];
    FILE *f;
    int c, n = 0;

    snprintf(path, sizeof(path), "%s/requests.log", state);
    if ((f = fopen(path, "r")) == NULL)
        return 0;
    while ((c = getc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static void
stop_server(void)
{
    char *rm[] = { (char *) "/bin/rm", (char *) "-rf", dir, NULL };

    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
        server = -1;
    }
    run(rm, NULL);
}

/* The test PKI and the server; skips the whole test without python3. */
static void
start_server(void)
{
    const char *fixture = PB_FIXTURES "/authority.py";
    char pki[48], cert[96], key[96], port_path[96];

    python = getenv("PYTHON3") ? getenv("PYTHON3") : "/usr/bin/python3";
    if (access(python, X_OK) != 0) {
        printf("1..0 # SKIP no %s\n", python);
        exit(0);
    }
    if (mkdtemp(dir) == NULL)
        bail("mkdtemp failed");
    atexit(stop_server);
    snprintf(pki, sizeof(pki), "%s/pki", dir);
    snprintf(state, sizeof(state), "%s/state", dir);
    snprintf(cert, sizeof(cert), "%s/server.pem", pki);
    snprintf(key, sizeof(key), "%s/server.key", pki);
    snprintf(ca, sizeof(ca), "%s/ca.pem", pki);
    snprintf(other_ca, sizeof(other_ca), "%s/other-ca.pem", pki);
    snprintf(port_path, sizeof(port_path), "%s/port", state);
    {
        char *mkpki[] = { (char *) python, (char *) fixture, (char *) "pki", pki, NULL };
        char *serve[] = { (char *) python, (char *) fixture, (char *) "serve", state,
                          (char *) "--cert", cert, (char *) "--key", key, NULL };
        if (run(mkpki, NULL) != 0)
            bail("authority.py pki failed");
        if (mkdir(state, 0700) != 0 || run(serve, &server) != 0)
            bail("cannot start authority.py serve");
    }
    for (int i = 0; i < 400; i++) {      /* 20 s: a loaded machine, valgrind */
        FILE *f = fopen(port_path, "r");
        int port = 0;
        if (f != NULL) {
            if (fscanf(f, "%d", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (port > 0) {
            snprintf(base, sizeof(base), "https://127.0.0.1:%d", port);
            return;
        }
        if (waitpid(server, NULL, WNOHANG) == server) {
            server = -1;
            bail("authority.py serve exited");
        }
        sleep_ms(50);
    }
    bail("authority.py serve did not listen within 20 s");
}

/* One GET of base + path (or of url when it has a scheme) with ca_file;
 * the status, *resp filled, the log captured. */
static const char *if_none_match, *if_modified_since;     /* for the next get() */

static enum pb_status
get(const char *path, const char *ca_file, size_t max_body, long timeout, struct pb_http_response *resp)
{
    char url[256];
    struct pb_http_request req;

    if (strstr(path, "://") != NULL)
        snprintf(url, sizeof(url), "%s", path);
    else
        snprintf(url, sizeof(url), "%s%s", base, path);
    memset(&req, 0, sizeof(req));
    req.url = url;
    req.ca_file = ca_file;
    req.connect_timeout = 5;
    req.timeout = timeout;
    req.max_body = max_body;
    req.if_none_match = if_none_match;
    req.if_modified_since = if_modified_since;
    capture_reset();
    return pb_http_curl_get(&req, resp, &test_log);
}

static int
logged(const char *what)
{
    return log_lines == 1 && strstr(last_line, what) != NULL;
}

static void
test_body(void)
{
    struct pb_http_response resp;
    size_t len = 200000;
    char *body = malloc(len);
    int before;

    if (body == NULL)
        bail("out of memory");
    for (size_t i = 0; i < len; i++)
        body[i] = (char) ('a' + (i * 7 + i / 251) % 26);
    set_state("jwks.json", body, len);
    set_state("max-age", "300", 3);

    tap_is_int(get("/jwks.json", ca, len, 10, &resp), PB_OK, "a 200 answer of %zu bytes, max_body %zu", len, len);
    tap_is_int(resp.status, 200, "... status 200");
    tap_is_int(resp.len, len, "... the body whole");
    tap_ok(resp.body != NULL && memcmp(resp.body, body, len) == 0 && resp.body[len] == '\0',
           "... byte for byte, NUL-terminated");
    tap_is_int(resp.max_age, 300, "... Cache-Control max-age read");
    tap_is_int(resp.no_store, 0, "... not no-store");
    tap_is_int(log_lines, 0, "... nothing logged");
    pb_http_response_clear(&resp);

    set_state("max-age", "no-store", 8);
    tap_is_int(get("/jwks.json", ca, len, 10, &resp), PB_OK, "no-store answer");
    tap_ok(resp.no_store == 1 && resp.max_age == -1, "... no-store set, no max-age");
    pb_http_response_clear(&resp);
    set_state("max-age", NULL, 0);

    before = requests();
    tap_is_int(get("/jwks.json", ca, len - 1, 10, &resp), PB_UNAVAILABLE, "a body one byte over max_body is refused");
    tap_ok(resp.body == NULL && resp.len == 0, "... no body handed back");
    tap_ok(logged(": size"), "... logged as size: %s", last_line);
    tap_is_int(requests(), before + 1, "... one request");

    set_state("mode", "oversize", 8);
    tap_is_int(get("/jwks.json", ca, 1024 * 1024, 10, &resp), PB_UNAVAILABLE, "3 MiB against max_body 1 MiB: refused");
    tap_ok(logged(": size"), "... logged as size: %s", last_line);
    set_state("mode", NULL, 0);
    free(body);
}

static void
test_refused_urls(void)
{
    struct pb_http_response resp;
    char url[256];
    int before = requests();

    tap_is_int(get("http://192.0.2.1/jwks.json", ca, 4096, 10, &resp), PB_UNAVAILABLE,
               "plain http:// off loopback is refused");
    tap_ok(logged("refused"), "... by the policy, before any connection: %s", last_line);

    /* Loopback may be plain: the policy lets it through, the TLS server then hangs up. */
    snprintf(url, sizeof(url), "http%s", base + 5);
    tap_is_int(get(url, ca, 4096, 10, &resp), PB_UNAVAILABLE, "plain http:// to loopback is tried (and fails on a TLS port)");
    tap_ok(log_lines == 1 && strstr(last_line, "refused") == NULL, "... not refused by the policy: %s", last_line);

    before = requests();
    snprintf(url, sizeof(url), "https://user:hunter2@%s/jwks.json", base + 8);
    tap_is_int(get(url, ca, 4096, 10, &resp), PB_UNAVAILABLE, "user information in the URL is refused");
    tap_ok(logged("refused"), "... logged as refused: %s", last_line);
    tap_ok(strstr(last_line, "hunter2") == NULL, "... without the password in the log");
    tap_is_int(requests(), before, "... no request reached the server");
}

static void
test_redirects(void)
{
    struct pb_http_response resp;
    const char keys[] = "{\"keys\":[]}";
    int before;

    set_state("jwks.json", keys, strlen(keys));

    set_state("mode", "redirect-other-host", 19);
    before = requests();
    tap_is_int(get("/jwks.json", ca, 4096, 10, &resp), PB_UNAVAILABLE, "a redirect to another origin is refused");
    tap_ok(logged("another host"), "... logged as another host: %s", last_line);
    tap_is_int(requests(), before + 1, "... not followed");

    set_state("mode", "redirect-same-host", 18);
    before = requests();
    tap_is_int(get("/jwks.json", ca, 4096, 10, &resp), PB_OK, "a redirect within the origin is followed");
    tap_is_str((const char *) resp.body, keys, "... to the body");
    tap_is_int(requests(), before + 2, "... in two requests");
    pb_http_response_clear(&resp);

    set_state("mode", "redirect-chain", 14);
    before = requests();
    tap_is_int(get("/jwks.json", ca, 4096, 10, &resp), PB_OK, "%d redirects are followed", PB_HTTP_MAX_REDIRECTS);
    tap_is_str((const char *) resp.body, keys, "... to the body");
    tap_is_int(requests(), before + PB_HTTP_MAX_REDIRECTS + 1, "... in %d requests", PB_HTTP_MAX_REDIRECTS + 1);
    pb_http_response_clear(&resp);

    before = requests();
    tap_is_int(get("/jwks.json?hop=-1", ca, 4096, 10, &resp), PB_UNAVAILABLE, "a redirect more is refused");
    tap_ok(logged("too many redirects"), "... logged as too many: %s", last_line);
    tap_is_int(requests(), before + PB_HTTP_MAX_REDIRECTS + 1, "... the last not followed");
    set_state("mode", NULL, 0);
}

static void
test_deadline(void)
{
    struct pb_http_response resp;

    /* Outcomes only, never the clock: the machine may be slow (valgrind). */
    set_state("delay", "3", 1);
    tap_is_int(get("/jwks.json", ca, 4096, 1, &resp), PB_UNAVAILABLE, "an answer slower than the 1 s deadline is refused");
    tap_ok(logged(": timeout"), "... logged as timeout: %s", last_line);

    /* Four requests of 0.4 s each: every hop alone is in time, the whole is not. */
    set_state("delay", "0.4", 3);
    set_state("mode", "redirect-chain", 14);
    tap_is_int(get("/jwks.json", ca, 4096, 1, &resp), PB_UNAVAILABLE, "the deadline covers the redirects together");
    tap_ok(logged("timeout"), "... logged as timeout: %s", last_line);
    set_state("mode", NULL, 0);
    set_state("delay", NULL, 0);
}

static void
test_tls(void)
{
    struct pb_http_response resp;
    int before = requests();

    tap_is_int(get("/jwks.json", other_ca, 4096, 10, &resp), PB_UNAVAILABLE, "a certificate not from ca_file is refused");
    tap_ok(logged(": TLS"), "... logged as TLS: %s", last_line);
    tap_is_int(get("/jwks.json", NULL, 4096, 10, &resp), PB_UNAVAILABLE, "... nor from the system's trust store");
    tap_ok(logged(": TLS"), "... logged as TLS: %s", last_line);
    tap_is_int(requests(), before, "... no request sent");
    tap_is_int(get("/jwks.json", ca, 4096, 10, &resp), PB_OK, "the same server with its own CA is accepted");
    pb_http_response_clear(&resp);
}

/* Validators and Retry-After: kept only when well formed and within their
 * bounds (dropped whole otherwise); a conditional request takes a 304 as an
 * answer with no body; an error status keeps its Retry-After. */
static void
test_validators(void)
{
    static const char lm[] = "Sun, 06 Nov 1994 08:49:37 GMT";
    char etag[PB_HTTP_ETAG_MAX + 8];
    struct pb_http_response resp;
    int before;

    set_state("jwks.json", "{\"keys\": []}", 12);
    set_state("etag", "\"v1\"", 4);
    set_state("last-modified", lm, sizeof(lm) - 1);
    tap_is_int(get("/jwks.json", ca, 4096, 10, &resp), PB_OK, "a 200 with ETag and Last-Modified");
    tap_ok(strcmp(resp.etag, "\"v1\"") == 0 && strcmp(resp.last_modified, lm) == 0,
           "... both kept (%s, %s)", resp.etag, resp.last_modified);
    pb_http_response_clear(&resp);

    if_none_match = "\"v1\"";
    tap_is_int(get("/jwks.json", ca, 4096, 10, &resp), PB_OK, "If-None-Match of the current ETag: PB_OK");
    tap_ok(resp.status == 304 && resp.len == 0 && resp.body != NULL && log_lines == 0,
           "... a 304 with an empty body (status %ld, %zu bytes), nothing logged", resp.status, resp.len);
    pb_http_response_clear(&resp);
    if_none_match = NULL;
    if_modified_since = lm;
    tap_ok(get("/jwks.json", ca, 4096, 10, &resp) == PB_OK && resp.status == 304,
           "If-Modified-Since of the current date: a 304");
    pb_http_response_clear(&resp);
    if_modified_since = NULL;

    before = requests();
    if_none_match = "\"v1\"\r\nX-Injected: 1";
    tap_is_int(get("/jwks.json", ca, 4096, 10, &resp), PB_UNAVAILABLE, "an If-None-Match with CR LF is refused");
    tap_ok(logged("malformed validator") && requests() == before, "... before any request: %s", last_line);
    if_none_match = NULL;
    if_modified_since = "Sun, 06 Nov 1994\nX: 1";
    tap_is_int(get("/jwks.json", ca, 4096, 10, &resp), PB_UNAVAILABLE, "an If-Modified-Since with a newline is refused");
    if_modified_since = NULL;

    memset(etag, '7', sizeof(etag));
    etag[0] = '"';
    etag[PB_HTTP_ETAG_MAX - 1] = '"';
    set_state("etag", etag, PB_HTTP_ETAG_MAX);
    tap_ok(get("/jwks.json", ca, 4096, 10, &resp) == PB_OK && strlen(resp.etag) == PB_HTTP_ETAG_MAX,
           "an ETag of %d bytes is kept", PB_HTTP_ETAG_MAX);
    pb_http_response_clear(&resp);
    etag[PB_HTTP_ETAG_MAX - 1] = '7';
    etag[PB_HTTP_ETAG_MAX] = '"';
    set_state("etag", etag, PB_HTTP_ETAG_MAX + 1);
    tap_ok(get("/jwks.json", ca, 4096, 10, &resp) == PB_OK && resp.etag[0] == '\0',
           "one of %d bytes is dropped whole", PB_HTTP_ETAG_MAX + 1);
    pb_http_response_clear(&resp);
    set_state("etag", "v1", 2);
    set_state("last-modified", "Sun, 06 Nov 1994 08:49:37 GMT; x=1", 34);
    tap_ok(get("/jwks.json", ca, 4096, 10, &resp) == PB_OK && resp.etag[0] == '\0' && resp.last_modified[0] == '\0',
           "an unquoted ETag and a Last-Modified with ; and = are dropped");
    pb_http_response_clear(&resp);
    set_state("etag", NULL, 0);
    set_state("last-modified", NULL, 0);

    set_state("mode", "error-429", 9);
    set_state("retry-after", "120", 3);
    tap_is_int(get("/jwks.json", ca, 4096, 10, &resp), PB_UNAVAILABLE, "a 429 is a failure");
    tap_ok(resp.status == 429 && strcmp(resp.retry_after, "120") == 0 && resp.body == NULL,
           "... its status and Retry-After kept for the caller (%ld, %s), no body", resp.status, resp.retry_after);
    set_state("mode", "error-503", 9);
    set_state("retry-after", lm, sizeof(lm) - 1);
    tap_ok(get("/jwks.json", ca, 4096, 10, &resp) == PB_UNAVAILABLE && resp.status == 503
               && strcmp(resp.retry_after, lm) == 0, "a 503 with an HTTP-date Retry-After: kept");
    set_state("retry-after", "12345678901234567890123456789012345678901", 41);
    tap_ok(get("/jwks.json", ca, 4096, 10, &resp) == PB_UNAVAILABLE && resp.retry_after[0] == '\0',
           "a Retry-After of 41 bytes is dropped");
    set_state("retry-after", "\"soon\"", 6);
    tap_ok(get("/jwks.json", ca, 4096, 10, &resp) == PB_UNAVAILABLE && resp.retry_after[0] == '\0',
           "a quoted Retry-After is dropped");
    set_state("retry-after", NULL, 0);
    set_state("mode", NULL, 0);
}

int
main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    start_server();
    test_body();
    test_validators();
    test_refused_urls();
    test_redirects();
    test_deadline();
    test_tls();
    return tap_done();
}
