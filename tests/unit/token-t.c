/* The whole decision through pb_token_verify: every algorithm, key selection,
 * the HMAC rules, and the order of checks. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alg.h"
#include "options.h"
#include "token.h"
#include "tap.h"
#include "testkeys.h"

static char dir[] = "/tmp/pb-token-t-XXXXXX";
static char jwks_path[256], hmac_path[256];
static EVP_PKEY *rsa, *rsa2, *p256, *p384, *p521, *ed;
static unsigned char secret[64];

static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, text, len) != (ssize_t) len)
        printf("# cannot write %s\n", path);
    close(fd);
    chmod(path, mode);
}

static enum pb_status
verify(const char *extra_args, const char *token, const char *user, struct pb_verdict *verdict)
{
    struct pb_config cfg;
    struct pb_token_info info;
    char jwks_arg[300], hmac_arg[300], args_copy[512], *save = NULL, *word;
    const char *argv[16];
    int argc = 0;
    enum pb_status status;

    snprintf(jwks_arg, sizeof(jwks_arg), "jwks=%s", jwks_path);
    snprintf(hmac_arg, sizeof(hmac_arg), "hmac_key_file=%s", hmac_path);
    argv[argc++] = "config=/nonexistent/never";   /* replaced below */
    argc = 0;
    argv[argc++] = jwks_arg;
    argv[argc++] = hmac_arg;
    snprintf(args_copy, sizeof(args_copy), "%s", extra_args);
    for (word = strtok_r(args_copy, " ", &save); word != NULL; word = strtok_r(NULL, " ", &save))
        argv[argc++] = word;
    pb_config_init(&cfg);
    for (int i = 0; i < argc; i++) {
        char err[256];
        if (pb_config_apply(&cfg, argv[i], PB_W_MODULE, err, sizeof(err)) != PB_OK)
            printf("# bad arg %s: %s\n", argv[i], err);
    }
    {
        char err[256];
        status = pb_config_finish(&cfg, err, sizeof(err));
        if (status != PB_OK) {
            pb_config_free(&cfg);
            return status;
        }
    }
    verdict->reason = PB_R_NONE;
    status = pb_token_verify(&cfg, user, token, strlen(token), time(NULL), NULL, verdict, &info);
    pb_config_free(&cfg);
    return status;
}

/* Replace one base64url character with another one. */
static void
tamper(char *c)
{
    *c = *c == 'A' ? 'B' : 'A';
}

static char *
claims_for(const char *user, long long exp_offset)
{
    static char buf[256];
    snprintf(buf, sizeof(buf), "{\"sub\":\"%s\",\"exp\":%lld,\"jti\":\"t1\"}", user,
             (long long) time(NULL) + exp_offset);
    return buf;
}

static void
accept_alg(const char *alg, EVP_PKEY *key, const char *kid, const char *args)
{
    char header[128];
    char *token;
    struct pb_verdict verdict;

    snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}", alg, kid);
    token = tk_sign(alg, key, secret, sizeof(secret), header, claims_for("alice", 300));
    tap_is_int(verify(args, token, "alice", &verdict), PB_OK, "%s token accepted", alg);
    if (verdict.reason != PB_R_NONE)
        printf("#   %s: %s\n", pb_reason_name(verdict.reason), verdict.detail);
    free(token);
}

static void
expect(const char *name, const char *args, const char *token, const char *user,
       enum pb_status want_status, enum pb_reason want_reason)
{
    struct pb_verdict verdict = { PB_R_NONE, "" };
    enum pb_status status = verify(args, token, user, &verdict);

    tap_ok(status == want_status && verdict.reason == want_reason, "%s", name);
    if (status != want_status || verdict.reason != want_reason)
        printf("#   got %s/%s (%s), want %s/%s\n", pb_status_name(status), pb_reason_name(verdict.reason),
               verdict.detail, pb_status_name(want_status), pb_reason_name(want_reason));
}

/* A token signed with alg by *key, and what verifying it for alice (no
 * extra arguments) must give.  claims NULL: alice's, exp_offset from now. */
struct signed_case {
    const char *name;
    const char *alg;
    EVP_PKEY **key;
    const char *header;
    const char *claims;
    long long exp_offset;
    enum pb_status status;
    enum pb_reason reason;
};

static const struct signed_case key_choice[] = {
    { "no kid: the P-384 key is found by type", "ES384", &p384, "{\"alg\":\"ES384\"}", NULL, 300, PB_OK,
      PB_R_NONE },
    { "key whose JWK alg is PS256 is not used for RS256", "RS256", &rsa2, "{\"alg\":\"RS256\",\"kid\":\"rsa2\"}",
      NULL, 300, PB_REJECTED, PB_R_NO_KEY },
    { "RS256 token naming an EC key's kid", "RS256", &rsa, "{\"alg\":\"RS256\",\"kid\":\"p256\"}", NULL, 300,
      PB_REJECTED, PB_R_NO_KEY },
    { "unknown kid", "RS256", &rsa, "{\"alg\":\"RS256\",\"kid\":\"gone\"}", NULL, 300, PB_REJECTED,
      PB_R_UNKNOWN_KID },
    { "signed by another RSA key", "RS256", &rsa2, "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", NULL, 300, PB_REJECTED,
      PB_R_BAD_SIGNATURE },
};

/* Claims are only read once the signature holds. */
static const struct signed_case claim_sets[] = {
    { "duplicate claim names", "ES256", &p256, "{\"alg\":\"ES256\",\"kid\":\"p256\"}",
      "{\"sub\":\"alice\",\"sub\":\"root\",\"exp\":9999999999}", 0, PB_REJECTED, PB_R_MALFORMED },
    { "claims set that is an array", "ES256", &p256, "{\"alg\":\"ES256\",\"kid\":\"p256\"}",
      "[\"sub\",\"alice\"]", 0, PB_REJECTED, PB_R_MALFORMED },
    { "expired token", "ES256", &p256, "{\"alg\":\"ES256\",\"kid\":\"p256\"}", NULL, -3600, PB_REJECTED,
      PB_R_EXPIRED },
};

static void
expect_signed(const struct signed_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct signed_case *c = &cases[i];
        char *token = tk_sign(c->alg, *c->key, NULL, 0, c->header,
                              c->claims != NULL ? c->claims : claims_for("alice", c->exp_offset));
        expect(c->name, "", token, "alice", c->status, c->reason);
        free(token);
    }
}

int
main(void)
{
    char *jwks, *k[6], *token, *tampered;
    const char *hs_args = "algorithms=RS256,HS256,HS384,HS512";

    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(jwks_path, sizeof(jwks_path), "%s/jwks.json", dir);
    snprintf(hmac_path, sizeof(hmac_path), "%s/hmac.key", dir);
    rsa = tk_keygen("RSA"), rsa2 = tk_keygen("RSA"), p256 = tk_keygen("P-256");
    p384 = tk_keygen("P-384"), p521 = tk_keygen("P-521"), ed = tk_keygen("Ed25519");
    k[0] = tk_jwk(rsa, "rsa", "\"use\":\"sig\",");
    k[1] = tk_jwk(p256, "p256", "\"alg\":\"ES256\",");
    k[2] = tk_jwk(p384, "p384", "");
    k[3] = tk_jwk(p521, "p521", "");
    k[4] = tk_jwk(ed, "ed", "");
    k[5] = tk_jwk(rsa2, "rsa2", "\"alg\":\"PS256\",");
    jwks = malloc(32768);
    snprintf(jwks, 32768, "{\"keys\":[%s,%s,%s,%s,%s,%s]}", k[0], k[1], k[2], k[3], k[4], k[5]);
    write_file(jwks_path, jwks, strlen(jwks), 0644);
    for (size_t i = 0; i < sizeof(secret); i++)
        secret[i] = (unsigned char) (i * 7 + 3);
    write_file(hmac_path, (const char *) secret, sizeof(secret), 0600);

    accept_alg("RS256", rsa, "rsa", "");
    accept_alg("RS384", rsa, "rsa", "");
    accept_alg("RS512", rsa, "rsa", "");
    accept_alg("PS256", rsa, "rsa", "");
    accept_alg("PS384", rsa, "rsa", "");
    accept_alg("PS512", rsa, "rsa", "");
    accept_alg("PS256", rsa2, "rsa2", "");
    accept_alg("ES256", p256, "p256", "");
    accept_alg("ES384", p384, "p384", "");
    accept_alg("ES512", p521, "p521", "");
    accept_alg("EdDSA", ed, "ed", "");
    accept_alg("HS256", NULL, "ignored", hs_args);
    accept_alg("HS384", NULL, "ignored", hs_args);
    accept_alg("HS512", NULL, "ignored", hs_args);

    /* Without kid, only keys of the right type are tried. */
    expect_signed(key_choice, sizeof(key_choice) / sizeof(key_choice[0]));
    token = tk_sign("RS256", rsa, NULL, 0, "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", claims_for("alice", 300));
    expect("algorithm outside the allow-list", "algorithms=ES256", token, "alice", PB_REJECTED,
           PB_R_ALG_NOT_ALLOWED);
    expect("valid token for another user", "", token, "bob", PB_REJECTED, PB_R_USER_MISMATCH);
    {
        char bearer[4096];
        snprintf(bearer, sizeof(bearer), "Bearer %s", token);
        expect("Bearer prefix accepted", "", bearer, "alice", PB_OK, PB_R_NONE);
        snprintf(bearer, sizeof(bearer), "bearer  %s", token);
        expect("scheme is case-insensitive", "", bearer, "alice", PB_OK, PB_R_NONE);
        snprintf(bearer, sizeof(bearer), "%s\n", token);
        expect("trailing newline is not stripped", "", bearer, "alice", PB_REJECTED, PB_R_NOT_A_TOKEN);
    }
    tampered = strdup(token);
    tamper(&tampered[strlen(tampered) - 3]);   /* change a signature character */
    expect("tampered signature", "", tampered, "alice", PB_REJECTED, PB_R_BAD_SIGNATURE);
    free(tampered);
    tampered = strdup(token);
    tamper(&tampered[strchr(tampered, '.') - tampered + 3]);   /* change a payload character */
    expect("tampered payload", "", tampered, "alice", PB_REJECTED, PB_R_BAD_SIGNATURE);
    free(tampered);
    free(token);

    /* HMAC rules */
    {
        BIO *bio = BIO_new(BIO_s_mem());
        char *pem;
        long len;
        PEM_write_bio_PUBKEY(bio, rsa);
        len = BIO_get_mem_data(bio, &pem);
        token = tk_sign("HS256", NULL, (unsigned char *) pem, (size_t) len,
                        "{\"alg\":\"HS256\",\"kid\":\"rsa\"}", claims_for("alice", 300));
        expect("HS256 signed with the RSA public key, no HMAC configured", "", token, "alice",
               PB_REJECTED, PB_R_ALG_NOT_ALLOWED);
        expect("HS256 signed with the RSA public key, HMAC configured", hs_args, token, "alice",
               PB_REJECTED, PB_R_BAD_SIGNATURE);
        free(token);
        BIO_free(bio);
    }
    token = tk_sign("HS256", NULL, secret, sizeof(secret), "{\"alg\":\"HS256\"}", claims_for("alice", 300));
    chmod(hmac_path, 0644);
    expect("readable HMAC key file refused", hs_args, token, "alice", PB_CONFIG, PB_R_NONE);
    chmod(hmac_path, 0600);
    write_file(hmac_path, "short", 5, 0600);
    expect("HMAC key shorter than 32 bytes refused", hs_args, token, "alice", PB_CONFIG, PB_R_NONE);
    unlink(hmac_path);
    expect("HMAC key file missing", hs_args, token, "alice", PB_UNAVAILABLE, PB_R_NONE);
    free(token);
    write_file(hmac_path, (const char *) secret, sizeof(secret), 0600);

    /* Claims are only read once the signature holds. */
    expect_signed(claim_sets, sizeof(claim_sets) / sizeof(claim_sets[0]));
    /* ECDSA signature forms */
    {
        char *h = tk_b64url_str("{\"alg\":\"ES256\",\"kid\":\"p256\"}");
        char *p = tk_b64url_str(claims_for("alice", 300));
        unsigned char zero[64] = { 0 };
        char *z = tk_b64url(zero, 64), buf[1024];
        snprintf(buf, sizeof(buf), "%s.%s.%s", h, p, z);
        expect("ECDSA r = s = 0", "", buf, "alice", PB_REJECTED, PB_R_BAD_SIGNATURE);
        free(z);
        z = tk_b64url(zero, 63);
        snprintf(buf, sizeof(buf), "%s.%s.%s", h, p, z);
        expect("ECDSA signature of 63 bytes", "", buf, "alice", PB_REJECTED, PB_R_BAD_SIGNATURE);
        free(z), free(h), free(p);
    }
    expect("not a token", "", "correct horse battery staple", "alice", PB_REJECTED, PB_R_NOT_A_TOKEN);
    /* A PEM key has no kid: it is a candidate whatever kid the token names. */
    {
        BIO *bio = BIO_new(BIO_s_mem());
        char *pem, saved[256];
        long len;
        PEM_write_bio_PUBKEY(bio, p256);
        len = BIO_get_mem_data(bio, &pem);
        snprintf(saved, sizeof(saved), "%s", jwks_path);
        snprintf(jwks_path, sizeof(jwks_path), "%s/key.pem", dir);
        write_file(jwks_path, pem, (size_t) len, 0644);
        token = tk_sign("ES256", p256, NULL, 0, "{\"alg\":\"ES256\",\"kid\":\"anything\"}",
                        claims_for("alice", 300));
        expect("PEM key verifies a token with a kid", "", token, "alice", PB_OK, PB_R_NONE);
        free(token);
        {
            EVP_PKEY *other = tk_keygen("P-256");
            token = tk_sign("ES256", other, NULL, 0, "{\"alg\":\"ES256\"}", claims_for("alice", 300));
            expect("PEM key: token from another key", "", token, "alice", PB_REJECTED, PB_R_BAD_SIGNATURE);
            free(token);
            EVP_PKEY_free(other);
        }
        unlink(jwks_path);
        snprintf(jwks_path, sizeof(jwks_path), "%s", saved);
        BIO_free(bio);
    }
    unlink(jwks_path);
    token = tk_sign("RS256", rsa, NULL, 0, "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", claims_for("alice", 300));
    expect("key file missing", "", token, "alice", PB_UNAVAILABLE, PB_R_NONE);
    write_file(jwks_path, "{\"keys\":[]}", 11, 0644);
    expect("empty key set", "", token, "alice", PB_UNAVAILABLE, PB_R_NONE);
    {
        /* Described fine, but the modulus is far too small: found out at first use. */
        const char *bad = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"rsa\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}";
        write_file(jwks_path, bad, strlen(bad), 0644);
        expect("only key for the token is unusable", "", token, "alice", PB_UNAVAILABLE, PB_R_NONE);
    }
    write_file(jwks_path, jwks, strlen(jwks), 0666);
    expect("world-writable key file", "", token, "alice", PB_CONFIG, PB_R_NONE);
    /* Rotation: the file changes, the cache notices. */
    {
        char rotated[8192];
        snprintf(rotated, sizeof(rotated), "{\"keys\":[%s]}", k[5]);
        write_file(jwks_path, jwks, strlen(jwks), 0644);
        expect("key present before rotation", "", token, "alice", PB_OK, PB_R_NONE);
        write_file(jwks_path, rotated, strlen(rotated), 0644);
        expect("key rotated out of the file", "", token, "alice", PB_REJECTED, PB_R_UNKNOWN_KID);
    }
    free(token);
    unlink(jwks_path);
    rmdir(dir);
    for (int i = 0; i < 6; i++)
        free(k[i]);
    free(jwks);
    EVP_PKEY_free(rsa), EVP_PKEY_free(rsa2), EVP_PKEY_free(p256);
    EVP_PKEY_free(p384), EVP_PKEY_free(p521), EVP_PKEY_free(ed);
    return tap_done();
}
