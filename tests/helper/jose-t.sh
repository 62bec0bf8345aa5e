#!/bin/sh
# jose-t.sh: `bearer-token verify --signature-only` against the published
# JWS examples of RFC 7515 (appendix A) and RFC 7520 (section 4) (TAP).
#
#   bearer-token verify --signature-only --jwks V.jwks --algorithms ALG
#       [--hmac-key-file V.key] --token-file V.jws [--json]
#
# For each signed example (A.1 HS256, A.2 RS256, A.3 ES256, A.4 ES512,
# 7520 4.1 RS256, 4.2 PS384, 4.3 ES512, 4.4 HS256):
#   - accepted, and the payload it prints is the .payload file byte for byte,
#     both in the --json "payload" member and in the text report;
#   - neither the signature nor the HMAC key shows in its output;
#   - refused with one bit of the signature flipped, with one character of
#     the payload part changed, and with the header's alg changed (header
#     re-encoded, both algorithms allowed, so the refusal is the signature's
#     or the key's, not the allow-list's);
#   - refused with a copy of its JWK Set in which the key's "use" is "enc",
#     and one in which "key_ops" lacks "verify" (not for the two HMAC
#     examples: their secret comes from --hmac-key-file, never from a JWK).
# A.5 (alg none) is refused even when every algorithm is allowed, and an
# allow-list naming "none" is a configuration error.  Keys the core must
# refuse, made here with python3-cryptography: RSA of 1024 bits, RSA with
# exponent 1 (whose "signature" is the padded hash itself), an EC point off
# its curve, a P-384 key for ES256 and a P-256 key for ES384; each next to a
# control that a sound key makes verify.  Finally a payload that is not UTF-8
# comes back as "payload_base64url".
#
# Key files are copied into a scratch directory, the JWK Sets with mode 0644
# and the HMAC secrets with 0600: the core refuses secrets others can read.
#
# Environment: abs_top_builddir (else the current directory), abs_top_srcdir,
# PYTHON3, BEARER_TOKEN (default BUILDDIR/helper/bearer-token), PB_KEEP_TMP=1.

. "$(dirname "$0")/../lib.sh"
rfc=$fixtures/rfc

need_exec "$helper" helper
[ -f "$rfc/rfc7515-a1.jws" ] || bail "RFC vectors missing: $rfc"
$python -c 'import cryptography' 2>/dev/null ||
	bail "$python lacks python3-cryptography"

scratch jose

mkdir "$tmp/rfc"
for f in "$rfc"/*.jws "$rfc"/*.jwks "$rfc"/*.payload "$rfc"/*.key; do
	cp "$f" "$tmp/rfc/" || bail "cannot copy $f"
done
chmod 0644 "$tmp/rfc"/*
chmod 0600 "$tmp/rfc"/*.key

cat >"$tmp/jose.py" <<'EOF'
import base64, copy, hashlib, json, os, re, subprocess, sys
from hmac import new as hmac_new

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

helper, tmp = sys.argv[1], sys.argv[2]
rfc = os.path.join(tmp, "rfc")
ALL = "RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512,EdDSA,HS256,HS384,HS512"

# name, alg, alg to swap in for the "alg changed" case
VECTORS = [
    ("rfc7515-a1", "HS256", "HS384"),
    ("rfc7515-a2", "RS256", "RS384"),
    ("rfc7515-a3", "ES256", "ES384"),
    ("rfc7515-a4", "ES512", "ES256"),
    ("rfc7520-4.1", "RS256", "PS256"),
    ("rfc7520-4.2", "PS384", "RS384"),
    ("rfc7520-4.3", "ES512", "ES384"),
    ("rfc7520-4.4", "HS256", "HS512"),
]


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def uint(n, size=None):
    return b64u(n.to_bytes(size or max(1, (n.bit_length() + 7) // 8), "big"))


def path(name):
    return os.path.join(tmp, name)


def write(name, data, mode=0o644):
    p = path(name)
    with open(p, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(p, mode)
    return p


def read(p):
    with open(p, "rb") as f:
        return f.read()


class Run:
    def __init__(self, args):
        r = subprocess.run([helper, "verify"] + args, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.rc, self.out, self.err = r.returncode, r.stdout, r.stderr
        self.report = {}
        if "--json" in args and self.out.strip():
            try:
                self.report = json.loads(self.out)
            except ValueError:
                self.report = {"unparsable": True}
        self.checks = {c.get("check"): c.get("outcome") for c in self.report.get("checks", [])}

    def says(self):
        r = self.report
        words = [w for w in (r.get("verdict"), r.get("reason"), r.get("detail")) if w]
        tail = self.err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return "exit %d %s%s" % (self.rc, " ".join(words) or "(no report)",
                                 "; stderr: " + tail[0] if tail[0] else "")


def verify(token_file, jwks, algs, hmac=None, json_out=True):
    args = ["--signature-only", "--jwks", jwks, "--algorithms", algs]
    if hmac:
        args += ["--hmac-key-file", hmac]
    args += ["--token-file", token_file]
    if json_out:
        args.append("--json")
    return Run(args)


results = []


def tap(ok, desc, diag=None, skip=None):
    results.append((ok, desc, diag, skip))


def text_payload(out):
    """The payload bytes of a text report: N bytes after 'payload    N bytes'."""
    m = re.search(rb"^payload    (\d+) bytes\n", out, re.M)
    if m is None:
        return None
    n = int(m.group(1))
    return out[m.end():m.end() + n]


def json_payload(report):
    if "payload" in report:
        return report["payload"].encode("utf-8")
    if "payload_base64url" in report:
        return unb64u(report["payload_base64url"])
    return None


def refused_key(run):
    """The key was not used: no acceptance, no signature check passed, and
    the key line says why."""
    return (run.rc in (1, 2) and run.report.get("verdict") in ("rejected", "undecided")
            and run.checks.get("key") == "FAIL" and run.checks.get("signature") != "ok")


# ---------------------------------------------------------------- the RFC examples
for name, alg, other in VECTORS:
    jws = os.path.join(rfc, name + ".jws")
    jwks = os.path.join(rfc, name + ".jwks")
    key = os.path.join(rfc, name + ".key")
    hmac = key if os.path.exists(key) else None
    token = read(jws).decode("ascii")
    head, body, sig = token.split(".")
    want = read(os.path.join(rfc, name + ".payload"))

    r = verify(jws, jwks, alg, hmac)
    got = json_payload(r.report)
    tap(r.rc == 0 and r.report.get("verdict") == "accepted" and got == want
        and r.checks.get("signature") == "ok",
        "%s %s: accepted, --json payload is the RFC's %d bytes" % (name, alg, len(want)),
        "%s; payload %r" % (r.says(), got))
    t = verify(jws, jwks, alg, hmac, json_out=False)
    got = text_payload(t.out)
    tap(t.rc == 0 and got == want and b"\nverdict    accepted\n" in t.out,
        "%s %s: accepted, text report carries the payload exactly" % (name, alg),
        "exit %d; payload %r" % (t.rc, got))
    secrets = [sig.encode(), sig[:20].encode(), sig[-20:].encode()]
    if hmac:
        k = read(hmac)
        secrets += [k, base64.b64encode(k), b64u(k).encode(), k.hex().encode()]
    leaks = [s for s in secrets for o in (r.out, r.err, t.out, t.err) if s in o]
    tap(not leaks, "%s: neither signature nor key in the output" % name,
        "%d leaked strings" % len(leaks))

    raw = bytearray(unb64u(sig))
    raw[len(raw) // 2] ^= 0x01
    p = write(name + "-sigbit.jws", head + "." + body + "." + b64u(bytes(raw)))
    r = verify(p, jwks, alg, hmac)
    tap(r.rc == 1 and r.report.get("reason") == "bad-signature",
        "%s: one signature bit flipped: rejected, bad-signature" % name, r.says())

    i = len(body) // 2
    body2 = body[:i] + ("A" if body[i] != "A" else "B") + body[i + 1:]
    p = write(name + "-payload.jws", head + "." + body2 + "." + sig)
    r = verify(p, jwks, alg, hmac)
    tap(r.rc == 1 and r.report.get("reason") == "bad-signature",
        "%s: one payload character changed: rejected, bad-signature" % name, r.says())

    header = unb64u(head)
    swapped = header.replace(b'"%s"' % alg.encode(), b'"%s"' % other.encode())
    assert swapped != header, name
    p = write(name + "-alg.jws", b64u(swapped) + "." + body + "." + sig)
    r = verify(p, jwks, alg + "," + other, hmac)
    tap(r.rc == 1 and r.report.get("verdict") == "rejected"
        and r.report.get("reason") in ("bad-signature", "no-key", "malformed")
        and r.checks.get("signature") != "ok",
        "%s: alg %s changed to %s (both allowed): rejected" % (name, alg, other), r.says())

    for what, change in (("use \"enc\"", {"use": "enc"}),
                         ("key_ops [\"sign\"]", {"key_ops": ["sign"]})):
        if hmac:
            tap(True, "%s: JWK with %s" % (name, what),
                skip="the HMAC secret comes from --hmac-key-file; a JWK is never an HMAC key")
            continue
        keys = json.loads(read(jwks))
        for k in keys["keys"]:
            k.update(change)
        p = write("%s-%s.jwks" % (name, "use" if "use" in change else "ops"), json.dumps(keys))
        r = verify(jws, p, alg)
        tap(refused_key(r), "%s: its key with %s is not used" % (name, what), r.says())

# An oct JWK in the set never stands in for the HMAC secret.
r = verify(os.path.join(rfc, "rfc7515-a1.jws"), os.path.join(rfc, "rfc7515-a1.jwks"), "HS256")
tap(r.rc == 2 and r.report.get("verdict") in (None, "undecided"),
    "rfc7515-a1 with its oct JWK but no --hmac-key-file: configuration error, exit 2", r.says())

# RFC 7515 A.5: alg none.
a5 = os.path.join(rfc, "rfc7515-a5.jws")
r = verify(a5, os.path.join(rfc, "rfc7515-a2.jwks"), ALL, os.path.join(rfc, "rfc7515-a1.key"))
tap(r.rc == 1 and r.report.get("reason") == "alg-not-allowed" and json_payload(r.report) is None,
    "rfc7515-a5 (alg none): rejected with every algorithm allowed, no payload shown", r.says())
for algs in ("none", "RS256,none", "NONE"):
    r = verify(a5, os.path.join(rfc, "rfc7515-a5.jwks"), algs)
    tap(r.rc == 2 and b"none" in r.err.lower(),
        "--algorithms %s: refused as configuration (exit 2)" % algs, r.says())

# ---------------------------------------------------------------- keys to refuse
PAYLOAD = b"pam_bearer jose-t: a payload signed for a key test"


def token(alg, signer, payload=PAYLOAD):
    si = b64u(json.dumps({"alg": alg}).encode()) + "." + b64u(payload)
    return si + "." + b64u(signer(si.encode("ascii")))


def es(key, hash_, size):
    def f(data):
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hash_)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return f


def rs256(key):
    return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def rsa_jwk(n, e):
    return {"kty": "RSA", "n": uint(n), "e": uint(e)}


def ec_jwk(crv, x, y, size):
    return {"kty": "EC", "crv": crv, "x": uint(x, size), "y": uint(y, size)}


def case(label, jwk, tok, algs, expect_ok):
    j = write(label + ".jwks", json.dumps({"keys": [jwk]}))
    t = write(label + ".jws", tok)
    r = verify(t, j, algs)
    if expect_ok:
        tap(r.rc == 0 and json_payload(r.report) == PAYLOAD,
            "control: %s verifies" % label, r.says())
    else:
        tap(refused_key(r), "refused: %s" % label, r.says())


k2048 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
n = k2048.public_key().public_numbers()
case("RSA 2048 bits, RS256", rsa_jwk(n.n, n.e), token("RS256", rs256(k2048)), "RS256", True)
k1024 = rsa.generate_private_key(public_exponent=65537, key_size=1024)
n = k1024.public_key().public_numbers()
case("RSA 1024 bits, RS256", rsa_jwk(n.n, n.e), token("RS256", rs256(k1024)), "RS256", False)


def pkcs1_em(data, size=256):
    """EMSA-PKCS1-v1_5 for SHA-256: with e = 1 this is a valid 'signature'."""
    t = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(data).digest()
    return b"\x00\x01" + b"\xff" * (size - 3 - len(t)) + b"\x00" + t


modulus = k2048.public_key().public_numbers().n
tok = token("RS256", pkcs1_em)
em = unb64u(tok.rsplit(".", 1)[1])
assert pow(int.from_bytes(em, "big"), 1, modulus) == int.from_bytes(em, "big")
case("RSA exponent 1 (signature = padded hash)", rsa_jwk(modulus, 1), tok, "RS256", False)

p256 = ec.generate_private_key(ec.SECP256R1())
q = p256.public_key().public_numbers()
tok = token("ES256", es(p256, hashes.SHA256(), 32))
case("P-256 point, ES256", ec_jwk("P-256", q.x, q.y, 32), tok, "ES256", True)
case("P-256 point off the curve (y + 1), ES256", ec_jwk("P-256", q.x, q.y + 1, 32), tok, "ES256", False)
a3 = json.loads(read(os.path.join(rfc, "rfc7515-a3.jwks")))["keys"][0]
y = int.from_bytes(unb64u(a3["y"]), "big") ^ 1
off = dict(a3, y=uint(y, 32))
j = write("rfc7515-a3-offcurve.jwks", json.dumps({"keys": [off]}))
r = verify(os.path.join(rfc, "rfc7515-a3.jws"), j, "ES256")
tap(refused_key(r), "refused: rfc7515-a3 key with y's last bit flipped (off the curve)", r.says())

p384 = ec.generate_private_key(ec.SECP384R1())
q3 = p384.public_key().public_numbers()
case("P-384 key for an ES256 token (SHA-256 over P-384)", ec_jwk("P-384", q3.x, q3.y, 48),
     token("ES256", es(p384, hashes.SHA256(), 48)), "ES256,ES384", False)
case("P-256 key for an ES384 token (SHA-384 over P-256)", ec_jwk("P-256", q.x, q.y, 32),
     token("ES384", es(p256, hashes.SHA384(), 32)), "ES256,ES384", False)

# ---------------------------------------------------------------- a binary payload
binary = b"\xff\xfe\x00not UTF-8\x80"
j = write("binary.jwks", json.dumps({"keys": [ec_jwk("P-256", q.x, q.y, 32)]}))
t = write("binary.jws", token("ES256", es(p256, hashes.SHA256(), 32), binary))
r = verify(t, j, "ES256")
tap(r.rc == 0 and "payload" not in r.report
    and unb64u(r.report.get("payload_base64url", "")) == binary,
    "a payload that is not UTF-8 comes back as payload_base64url", r.says())

# ---------------------------------------------------------------- an empty payload
# RFC 7515 allows any octet sequence as the payload, the empty one included:
# JOSE-only verification accepts "header..signature" and reports 0 bytes.
pub = k2048.public_key().public_numbers()
a1_key = os.path.join(rfc, "rfc7515-a1.key")
a1_secret = read(a1_key)
EMPTY = (
    ("RS256", rs256(k2048), write("empty-RS256.jwks", json.dumps({"keys": [rsa_jwk(pub.n, pub.e)]})), None),
    ("ES256", es(p256, hashes.SHA256(), 32),
     write("empty-ES256.jwks", json.dumps({"keys": [ec_jwk("P-256", q.x, q.y, 32)]})), None),
    ("HS256", lambda data: hmac_new(a1_secret, data, hashlib.sha256).digest(),
     os.path.join(rfc, "rfc7515-a1.jwks"), a1_key),
)
for alg, signer, jwks, hkey in EMPTY:
    label = alg
    tok = token(alg, signer, b"")
    assert tok.split(".")[1] == "", tok
    t = write("empty-%s.jws" % label, tok)
    r = verify(t, jwks, alg, hkey)
    tap(r.rc == 0 and r.report.get("verdict") == "accepted" and json_payload(r.report) == b""
        and r.checks.get("signature") == "ok",
        "%s, empty payload: accepted, --json payload is empty" % label, r.says())
    x = verify(t, jwks, alg, hkey, json_out=False)
    tap(x.rc == 0 and text_payload(x.out) == b"" and b"\nverdict    accepted\n" in x.out,
        "%s, empty payload: accepted, text report shows 0 bytes" % label, "exit %d" % x.rc)
    head, _, sig = tok.split(".")
    raw = bytearray(unb64u(sig))
    raw[len(raw) // 2] ^= 0x01
    p = write("empty-%s-sigbit.jws" % label, head + ".." + b64u(bytes(raw)))
    r = verify(p, jwks, alg, hkey)
    tap(r.rc == 1 and r.report.get("reason") == "bad-signature",
        "%s, empty payload, one signature bit flipped: rejected, bad-signature" % label, r.says())

print("1..%d" % len(results))
failed = 0
for i, (ok, desc, diag, skip) in enumerate(results, 1):
    if skip:
        print("ok %d - %s # SKIP %s" % (i, desc, skip))
        continue
    print("%s %d - %s" % ("ok" if ok else "not ok", i, desc))
    if not ok:
        failed += 1
        if diag:
            print("# " + str(diag).replace("\n", "\n# "))
print("# %d of %d failed" % (failed, len(results)))
sys.exit(1 if failed else 0)
EOF
$python "$tmp/jose.py" "$helper" "$tmp"
