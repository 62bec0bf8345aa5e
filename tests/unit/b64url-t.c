/* Strict base64url: canonical input decodes, everything else is refused. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "tap.h"

static int
decodes(const char *in, const char *want, size_t want_len)
{
    unsigned char out[64];
    size_t len = 0;

    if (pb_b64url_decode(in, strlen(in), out, &len) < 0)
        return 0;
    return len == want_len && memcmp(out, want, want_len) == 0;
}

static int
refused(const char *in)
{
    unsigned char out[64];
    size_t len;

    return pb_b64url_decode(in, strlen(in), out, &len) < 0;
}

int
main(void)
{
    /* RFC 4648 section 10 vectors, unpadded. */
    tap_ok(decodes("", "", 0), "empty string decodes to nothing");
    tap_ok(decodes("Zg", "f", 1), "Zg -> f");
    tap_ok(decodes("Zm8", "fo", 2), "Zm8 -> fo");
    tap_ok(decodes("Zm9v", "foo", 3), "Zm9v -> foo");
    tap_ok(decodes("Zm9vYg", "foob", 4), "Zm9vYg -> foob");
    tap_ok(decodes("Zm9vYmE", "fooba", 5), "Zm9vYmE -> fooba");
    tap_ok(decodes("Zm9vYmFy", "foobar", 6), "Zm9vYmFy -> foobar");
    tap_ok(decodes("-_8", "\xfb\xff", 2), "url alphabet - and _");

    tap_ok(refused("Zg=="), "padding refused");
    tap_ok(refused("Zm8="), "single pad refused");
    tap_ok(refused("+_8"), "'+' refused");
    tap_ok(refused("-/8"), "'/' refused");
    tap_ok(refused("Zm 9v"), "space refused");
    tap_ok(refused("Zm9v\n"), "newline refused");
    tap_ok(refused("Z"), "one leftover character refused");
    tap_ok(refused("Zh"), "non-zero trailing bits refused (Zh)");
    tap_ok(refused("Zm9"), "non-zero trailing bits refused (Zm9)");
    {
        unsigned char out[8];
        size_t len;
        tap_ok(pb_b64url_decode("Zm\0v", 4, out, &len) < 0, "embedded NUL refused");
    }
    {
        /* Round trips of every length from 0 to 40, all byte values. */
        unsigned char in[40], back[64];
        int all_ok = 1;
        for (size_t len = 0; len <= sizeof(in); len++) {
            char *enc;
            size_t back_len = 0;
            for (size_t i = 0; i < len; i++)
                in[i] = (unsigned char) (len * 37 + i * 101);
            enc = pb_b64url_encode(in, len);
            if (enc == NULL || strchr(enc, '=') != NULL
                || pb_b64url_decode(enc, strlen(enc), back, &back_len) < 0 || back_len != len
                || memcmp(in, back, len) != 0)
                all_ok = 0;
            free(enc);
        }
        tap_ok(all_ok, "encode then strict decode round-trips lengths 0..40");
        char *foobar = pb_b64url_encode((const unsigned char *) "foobar", 6);
        tap_is_str(foobar, "Zm9vYmFy", "encode foobar");
        free(foobar);
        char *fo = pb_b64url_encode((const unsigned char *) "\xfb\xff", 2);
        tap_is_str(fo, "-_8", "encode uses the url alphabet, no padding");
        free(fo);
    }
    tap_ok(pb_b64url_is_alphabet("abcXYZ019-_", 11), "alphabet check accepts the alphabet");
    tap_ok(!pb_b64url_is_alphabet("ab.c", 4), "alphabet check refuses '.'");
    return tap_done();
}
