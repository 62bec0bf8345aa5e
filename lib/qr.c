/* QR codes as text: libqrencode's modules, two rows per line of half blocks. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"

#define QUIET 2

/* Light or dark module at (x, y) of a code of width w, the quiet zone
 * around it light.  Non-zero when dark. */
static int
dark(const QRcode *qr, int x, int y)
{
    x -= QUIET;
    y -= QUIET;
    if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
        return 0;
    return qr->data[y * qr->width + x] & 1;
}

char *
pb_qr_text(const char *data)
{
    /* Indexed by (top dark) | (bottom dark) << 1: light is drawn. */
    static const char *const cell[4] = { "\xe2\x96\x88", "\xe2\x96\x84", "\xe2\x96\x80", " " };
    QRcode *qr;
    char *out = NULL, *p;
    int side;

    if (data == NULL || data[0] == '\0' || strlen(data) > PB_QR_MAX_TEXT)
        return NULL;
    if ((qr = QRcode_encodeString(data, 0, QR_ECLEVEL_L, QR_MODE_8, 1)) == NULL)
        return NULL;
    side = qr->width + 2 * QUIET;
    /* Each line: side cells of at most three bytes and a newline. */
    if ((out = malloc((size_t) ((side + 1) / 2) * ((size_t) side * 3 + 1) + 1)) == NULL)
        goto done;
    p = out;
    for (int y = 0; y < side; y += 2) {
        for (int x = 0; x < side; x++) {
            const char *c = cell[dark(qr, x, y) | dark(qr, x, y + 1) << 1];
            size_t n = strlen(c);
            memcpy(p, c, n);
            p += n;
        }
        *p++ = '\n';
    }
    *p = '\0';
done:
    QRcode_free(qr);
    return out;
}
