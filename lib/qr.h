/* A QR code drawn with text characters, for showing a device login's URL on
 * a terminal or in a PAM prompt.  The libqrencode code (qr.c) is linked only
 * into the plugins that also do HTTP (pam_bearer-http.so, which exports the
 * table below, and bearer-token-net.so): a token login never loads it. */
#ifndef PB_QR_H
#define PB_QR_H

#define PB_QR_OPS_VERSION 1
#define PB_QR_OPS_SYMBOL "pb_qr_ops_v1"

/* Longest text drawn: a longer URL would make a code too large to scan
 * from a terminal. */
#define PB_QR_MAX_TEXT 512

struct pb_qr_ops {
    unsigned version;           /* PB_QR_OPS_VERSION */
    char *(*text)(const char *data);
};

/* data (at most PB_QR_MAX_TEXT bytes) as a QR code, error correction level
 * L, with a quiet zone of two modules: lines of UTF-8 half blocks (two
 * module rows per line), each ending in a newline.  Light modules are drawn
 * as blocks, dark ones as blanks, for a terminal's light text on a dark
 * background.  A new string (free()), or NULL. */
char *pb_qr_text(const char *data);

#endif
