/* A threaded host: many threads verifying at once share one key cache, on a
 * cold cache and while the key file is replaced under them. */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "token.h"
#include "tap.h"
#include "testkeys.h"

#define THREADS 8
#define ROUNDS 150

static char dir[] = "/tmp/pb-threads-t-XXXXXX";
static char jwks_path[256], jwks_tmp[256], jwks_text[16384];
static char *tokens[2];
static struct pb_config cfg;

struct result {
    int accepted, other;
};

static void *
worker(void *arg)
{
    struct result *r = arg;

    for (int i = 0; i < ROUNDS; i++) {
        struct pb_verdict verdict;
        struct pb_token_info info;
        const char *token = tokens[i % 2];
        enum pb_status s = pb_token_verify(&cfg, "alice", token, strlen(token), time(NULL), NULL,
                                           &verdict, &info);
        if (s == PB_OK)
            r->accepted++;
        else
            r->other++;
    }
    return NULL;
}

/* Replace the key file atomically with the same keys, so every login must
 * still succeed while cache entries are dropped and rebuilt. */
static void *
rotator(void *arg)
{
    (void) arg;
    for (int i = 0; i < 40; i++) {
        int fd = open(jwks_tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, jwks_text, strlen(jwks_text)) < 0)
            break;
        close(fd);
        rename(jwks_tmp, jwks_path);
        usleep(1000);
    }
    return NULL;
}

int
main(void)
{
    EVP_PKEY *rsa = tk_keygen("RSA"), *ec = tk_keygen("P-256");
    char *k1 = tk_jwk(rsa, "r", ""), *k2 = tk_jwk(ec, "e", ""), claims[128], word[300], err[256];
    pthread_t threads[THREADS], rot;
    struct result results[THREADS];
    int accepted = 0, other = 0, fd;

    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(jwks_path, sizeof(jwks_path), "%s/jwks.json", dir);
    snprintf(jwks_tmp, sizeof(jwks_tmp), "%s/jwks.tmp", dir);
    snprintf(jwks_text, sizeof(jwks_text), "{\"keys\":[%s,%s]}", k1, k2);
    fd = open(jwks_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, jwks_text, strlen(jwks_text)) < 0)
        return 1;
    close(fd);
    snprintf(claims, sizeof(claims), "{\"sub\":\"alice\",\"exp\":%lld}", (long long) time(NULL) + 600);
    tokens[0] = tk_sign("RS256", rsa, NULL, 0, "{\"alg\":\"RS256\",\"kid\":\"r\"}", claims);
    tokens[1] = tk_sign("ES256", ec, NULL, 0, "{\"alg\":\"ES256\",\"kid\":\"e\"}", claims);
    pb_config_init(&cfg);
    snprintf(word, sizeof(word), "jwks=%s", jwks_path);
    pb_config_apply(&cfg, word, PB_W_MODULE, err, sizeof(err));
    pb_config_finish(&cfg, err, sizeof(err));

    for (int pass = 0; pass < 2; pass++) {
        memset(results, 0, sizeof(results));
        if (pass == 1)
            pthread_create(&rot, NULL, rotator, NULL);
        for (int t = 0; t < THREADS; t++)
            pthread_create(&threads[t], NULL, worker, &results[t]);
        for (int t = 0; t < THREADS; t++)
            pthread_join(threads[t], NULL);
        if (pass == 1)
            pthread_join(rot, NULL);
        accepted = other = 0;
        for (int t = 0; t < THREADS; t++) {
            accepted += results[t].accepted;
            other += results[t].other;
        }
        tap_is_int(accepted, THREADS * ROUNDS, "%s: every concurrent verification accepted",
                   pass == 0 ? "cold cache" : "key file replaced meanwhile");
        tap_is_int(other, 0, "%s: no spurious refusal", pass == 0 ? "cold cache" : "key file replaced meanwhile");
    }
    pb_config_free(&cfg);
    unlink(jwks_path);
    unlink(jwks_tmp);
    rmdir(dir);
    free(tokens[0]), free(tokens[1]), free(k1), free(k2);
    EVP_PKEY_free(rsa), EVP_PKEY_free(ec);
    return tap_done();
}
