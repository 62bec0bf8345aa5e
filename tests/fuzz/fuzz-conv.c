/*
 * fuzz-conv: libFuzzer target for the conversation path of the module.
 *
 * Each input is one login through real libpam: pam_start_confdir on a
 * private service directory whose one module, fuzz-conv-module.so, calls
 * back into this target (libpam lets only a module of the stack prompt for
 * or read PAM_AUTHTOK), where the module's own code is linked: the arguments
 * built from the configuration file (pb_pam_args_new) and
 * pb_pam_authenticate, which reads the token through pam_get_authtok and
 * pb_pam_continue_token (a token in parts) and verifies it offline.  Every
 * prompt is answered from the input.
 *
 * Input:
 *   byte 0     options
 *              bits 0-1  token_parts: 16 (the default), 2, 4, 1000
 *              bit 2     token_only
 *              bit 3     debug (the LOG_DEBUG lines are formatted too)
 *              bits 4-5  0: prompted; 1: the first answer is already
 *                        PAM_AUTHTOK (an earlier module) and try_first_pass;
 *                        2: the same with use_first_pass; 3: prompted,
 *                        PAM_SILENT
 *              bit 6     no user given to pam_start: the module asks for it
 *              bit 7     when the answers run out, the conversation returns
 *                        PAM_CONV_ERR (clear) or a NULL answer (set)
 *   the rest   the answers, separated by NUL bytes (an answer is a C string).
 *              In an answer, 0xFF followed by a byte k stands for the byte
 *              before it (or 'A') repeated 256 * (k + 1) times, so a short
 *              input makes answers of any length up to MAX_ANSWERS_BYTES in
 *              all: sshd hands the module an answer of whatever length.
 *
 * LLVMFuzzerInitialize writes, in a private temporary directory (removed at
 * exit), a JWKS with one P-256 public key, the HMAC secret the HS256 seeds of
 * tests/fuzz/corpus/jws are signed with, pam_bearer.conf and the service
 * files.  No network: the keys are files; obtain_tokens is off, so no
 * helper is started.  The module's log lines are discarded.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <security/pam_appl.h>

#include "b64url.h"
#include "conv-answers.h"
#include "fuzz-conv.h"
#include "internal.h"
#include "fuzz-util.h"

#define SERVICE "pam-bearer-fuzz"
#define FUZZ_USER "alice"
#define ESCAPE 0xFF
/* All answers of one input together; well past PB_JWS_MAX_TOKEN. */
#define MAX_ANSWERS_BYTES (512 * 1024)
#define MAX_ANSWERS 64

/* As in fuzz-jws.c: the HS256 seeds verify as they are. */
static const char hmac_secret[] = "pam_bearer fuzzing secret: 64 bytes, enough for HS512 (0123456789)";

static char tmpdir[PATH_MAX];
static char jwks_path[PATH_MAX + 32], hmac_path[PATH_MAX + 32], conf_path[PATH_MAX + 32];
static char service_path[PATH_MAX + 32], other_path[PATH_MAX + 32], config_arg[PATH_MAX + 40];

/* One input's answers, decoded. */
struct answers {
    char *text[MAX_ANSWERS];
    size_t count;
};

/* What one input asks of the module; the conversation's appdata. */
struct session {
    struct fuzz_conv_call call;     /* first: fuzz-conv-module.so calls it */
    struct answers answers;
    struct conv_answers conv;       /* over answers.text */
    const char *argv[6];
    int argc;
    int preset_authtok;
};

#define die(what) fuzz_die("fuzz-conv", what)

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

    if (fd < 0 || fchmod(fd, mode) != 0 || write(fd, data, len) != (ssize_t) len || close(fd) != 0)
        die(path);
}

static void
cleanup(void)
{
    if (tmpdir[0] == '\0')
        return;
    unlink(jwks_path);
    unlink(hmac_path);
    unlink(conf_path);
    unlink(service_path);
    unlink(other_path);
    rmdir(tmpdir);
}

/* A JWKS holding the public half of a fresh P-256 key. */
static char *
make_jwks(void)
{
    unsigned char point[65];
    size_t len = 0;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    char *x, *y, *text;
    json_t *jwks;

    if (key == NULL
        || !EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof(point), &len)
        || len != 65 || point[0] != 0x04)
        die("P-256 key");
    x = pb_b64url_encode(point + 1, 32);
    y = pb_b64url_encode(point + 33, 32);
    if (x == NULL || y == NULL)
        die("base64url");
    jwks = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s}]}", "keys", "kty", "EC", "kid", "ec-1", "crv", "P-256",
                     "x", x, "y", y);
    text = jwks != NULL ? json_dumps(jwks, JSON_INDENT(1)) : NULL;
    if (text == NULL)
        die("JWKS");
    json_decref(jwks);
    free(x);
    free(y);
    EVP_PKEY_free(key);
    return text;
}

/* libpam sends an audit record for every pam_authenticate; run as root, a
 * minute of fuzzing would put tens of thousands in the host's audit log.
 * Without CAP_AUDIT_WRITE the kernel refuses them and libpam stays quiet. */
static void
drop_audit_write(void)
{
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];

    if (syscall(SYS_capget, &hdr, caps) != 0)
        die("capget");
    for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
        if (CAP_TO_INDEX(CAP_AUDIT_WRITE) != i)
            continue;
        caps[i].effective &= ~CAP_TO_MASK(CAP_AUDIT_WRITE);
        caps[i].permitted &= ~CAP_TO_MASK(CAP_AUDIT_WRITE);
        caps[i].inheritable &= ~CAP_TO_MASK(CAP_AUDIT_WRITE);
    }
    if (syscall(SYS_capset, &hdr, caps) != 0)
        die("capset");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *base = getenv("TMPDIR");
    char conf[4 * PATH_MAX];
    char *jwks;
    int n;

    (void) argc;
    (void) argv;
    snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz-conv-XXXXXX", base != NULL && base[0] == '/' ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL)
        die("mkdtemp");
    atexit(cleanup);
    snprintf(jwks_path, sizeof(jwks_path), "%s/jwks.json", tmpdir);
    snprintf(hmac_path, sizeof(hmac_path), "%s/hmac.key", tmpdir);
    snprintf(conf_path, sizeof(conf_path), "%s/pam_bearer.conf", tmpdir);
    snprintf(service_path, sizeof(service_path), "%s/%s", tmpdir, SERVICE);
    snprintf(other_path, sizeof(other_path), "%s/other", tmpdir);
    snprintf(config_arg, sizeof(config_arg), "config=%s", conf_path);

    jwks = make_jwks();
    write_file(jwks_path, jwks, strlen(jwks), 0644);
    free(jwks);
    write_file(hmac_path, hmac_secret, sizeof(hmac_secret) - 1, 0600);
    n = snprintf(conf, sizeof(conf),
                 "# fuzz-conv: offline keys, no helper\n"
                 "jwks = %s\nhmac_key_file = %s\n"
                 "algorithms = ES256, HS256\nissuer = https://issuer.example\naudience = pam-fuzz\n"
                 "obtain_tokens = false\n", jwks_path, hmac_path);
    if (n < 0 || (size_t) n >= sizeof(conf))
        die("configuration too long");
    write_file(conf_path, conf, (size_t) n, 0644);
    /* The one module calls back into this target (see fuzz-conv-module.c). */
    n = snprintf(conf, sizeof(conf), "auth required %s\n", FUZZ_CONV_MODULE);
    if (n < 0 || (size_t) n >= sizeof(conf))
        die("module path too long");
    write_file(service_path, conf, (size_t) n, 0644);
    /* Without it libpam logs "no default config" at every pam_start. */
    write_file(other_path, "", 0, 0644);
    drop_audit_write();
    return 0;
}

/* Split the input into answers, expanding the repeat escapes. */
static void
decode(const uint8_t *data, size_t size, struct answers *a)
{
    static char buf[MAX_ANSWERS_BYTES];
    size_t used = 0, i = 0;

    while (i < size && a->count < MAX_ANSWERS && used < MAX_ANSWERS_BYTES) {
        size_t start = used;
        while (i < size && data[i] != '\0' && used < MAX_ANSWERS_BYTES) {
            if (data[i] == ESCAPE && i + 1 < size) {
                char c = used > start ? buf[used - 1] : 'A';
                size_t k = 256 * ((size_t) data[i + 1] + 1);
                if (k > MAX_ANSWERS_BYTES - used)
                    k = MAX_ANSWERS_BYTES - used;
                memset(buf + used, c, k);
                used += k;
                i += 2;
            } else {
                buf[used++] = (char) data[i++];
            }
        }
        i++;   /* the separator */
        if ((a->text[a->count] = strndup(buf + start, used - start)) == NULL)
            break;
        a->count++;
    }
}

static void
answers_free(struct answers *a)
{
    for (size_t i = 0; i < a->count; i++)
        free(a->text[i]);
}

/* Every prompt gets the next answer (tests/pam/conv-answers.c); messages
 * get none.  DATA is the session, whose first member the module needs. */
static int
conv(int num_msg, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    return conv_answers(num_msg, msg, resp, &((struct session *) data)->conv);
}

/* Called by fuzz-conv-module.so's pam_sm_authenticate, as a module. */
static int
authenticate(pam_handle_t *pamh, int flags, struct fuzz_conv_call *call)
{
    struct session *s = (struct session *) call;
    struct pb_pam_args args;
    int code;

    /* An earlier module's answer: the first one. */
    if (s->preset_authtok && s->answers.count > 0
        && pam_set_item(pamh, PAM_AUTHTOK, s->answers.text[s->conv.prompts++]) != PAM_SUCCESS)
        abort();
    code = pb_pam_args_new(&args, pamh, flags, s->argc, s->argv);
    if (code != PAM_SUCCESS) {
        fprintf(stderr, "fuzz-conv: pb_pam_args_new: %s\n", pam_strerror(pamh, code));
        abort();   /* the fixed configuration must load */
    }
    args.log.sink = fuzz_discard_line;
    code = pb_pam_authenticate(&args);
    pb_pam_args_free(&args);
    return code;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const parts[] = { "token_parts=16", "token_parts=2", "token_parts=4", "token_parts=1000" };
    struct session s = { .call = { authenticate } };
    struct pam_conv pc = { conv, &s };
    pam_handle_t *pamh = NULL;
    int flags = 0;
    unsigned opt, source;

    if (size < 1)
        return 0;
    opt = data[0];
    source = (opt >> 4) & 3;
    decode(data + 1, size - 1, &s.answers);
    s.conv.mode = CONV_LIST;
    s.conv.list = s.answers.text;
    s.conv.count = (int) s.answers.count;
    s.conv.null_at_end = (opt & 0x80) != 0;

    s.argv[s.argc++] = config_arg;
    s.argv[s.argc++] = parts[opt & 3];
    if (opt & 0x04)
        s.argv[s.argc++] = "token_only";
    if (opt & 0x08)
        s.argv[s.argc++] = "debug";
    if (source == 1)
        s.argv[s.argc++] = "try_first_pass";
    else if (source == 2)
        s.argv[s.argc++] = "use_first_pass";
    else if (source == 3)
        flags |= PAM_SILENT;
    s.preset_authtok = source == 1 || source == 2;

    if (pam_start_confdir(SERVICE, (opt & 0x40) ? NULL : FUZZ_USER, &pc, tmpdir, &pamh) == PAM_SUCCESS)
        (void) pam_authenticate(pamh, flags);
    if (pamh != NULL)
        pam_end(pamh, PAM_SUCCESS);
    answers_free(&s.answers);
    ERR_clear_error();
    return 0;
}
