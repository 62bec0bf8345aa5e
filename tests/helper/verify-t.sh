#!/bin/sh
# verify-t.sh: `bearer-token verify` and pam_bearer.so must reach the same
# decision on every token of the module's test catalogue (TAP).
#
# For each token scenario (tests/pam/scenarios/token, tokens minted by
# tests/fixtures/mint.py, the DC/OS seed's among them) this runs
#   (a) the module through real libpam under pam_wrapper, as token-t.sh does
#       (pamrun, a private service directory, the module's log on stderr);
#   (b) bearer-token verify --config EMPTY --user USER --token-file TOK
#       -o jwks=... -o WORD... with the case's module words, once with --json
#       and once in text mode;
# and checks, in one TAP line per case:
#   - the module's result is one the catalogue expects (harness sanity);
#   - verify's exit status is the module's class: PAM_SUCCESS = 0 accepted,
#     PAM_AUTH_ERR = 1 rejected, PAM_AUTHINFO_UNAVAIL or PAM_SERVICE_ERR =
#     2 undecided; both modes exit alike;
#   - for a rejection, the "reason" of the --json object is the REASON the
#     module logged ("rejected: REASON: ..."), and the text verdict line says
#     the same; for "could not decide", the module's word (unavailable or
#     config) is verify's reason, or, when the configuration did not even
#     load and no report is printed, the word of verify's error message;
#   - the text report has one aligned line per check ("exp        ok    ...")
#     and the same checks and outcomes as the --json "checks" array; a
#     rejection has a FAIL line, an acceptance none and its user check is ok;
#   - no byte of the token (each dot-separated part of 12 or more
#     characters, the first and last 20 characters of the longer ones, and
#     the token's last 24 printable characters), and no form of the
#     HMAC key (raw, base64, base64url, hex) is on verify's standard output
#     or standard error, in either mode; standard error holds only
#     "bearer-token: " lines and no control characters.
# The same for a few cases made here, at the edges of how the input is read
# (64 KiB with a "Bearer " prefix or a newline) and for password_only.
# Known disagreements are marked TAP "TODO" with the reason: reported, not
# counted as failures; when fixed they show as unexpected passes, which is
# the cue to remove the mark.
# Then a few lines on the command line itself: usage errors exit 64 and do
# not echo a token given as an argument, no --user leaves the user check as
# "skip", standard input works like --token-file, only one trailing newline
# is dropped, unreadable files mean "could not decide".
#
# The one deliberate difference: verify drops one trailing newline (LF or
# CR LF) from its input, as a terminal line, and the module takes the
# conversation's answer as it is.  A case whose token file ends in a newline
# is therefore compared with the module fed the same bytes minus that
# newline; the module on the original bytes is still checked against the
# catalogue.
#
# Environment: abs_top_builddir (else the current directory), abs_top_srcdir,
# PAM_BEARER_MODULE, PAMRUN, PAM_WRAPPER_LIB, BEARER_TOKEN (the helper,
# default BUILDDIR/helper/bearer-token), PB_KEEP_TMP=1 to keep the scratch
# directory.

. "$(dirname "$0")/../lib.sh"
set -f	# module argument lists are split on blanks, never globbed

# pwmods and pamwrap_run: pamrun under pam_wrapper (sanitizer builds too)
need_pamrun
need_exec "$helper" helper
need_pam_set_items
need_mint

scratch verify
: >"$tmp/empty.conf"
mkdir "$tmp/svc" "$tmp/run" "$tmp/cli"
keys=$tmp/k
mint_keys "$keys"

# Minted last: some cases are 30 s from their limit.  Module and helper see
# each token within a fraction of a second of each other.  What the module
# must answer comes from the scenario files (see tests/fixtures/scenarios.py).
token_scenarios "$keys" "$srcdir/tests/pam/scenarios/token" "$tmp/scenarios.tsv"

# A few cases of our own, where reading the input differently from the
# module could matter, in the same five columns plus two: "optional"
# (1: the case needs options this build may lack; if the module calls them
# a configuration error, the case is skipped) and a TODO note for a known
# disagreement (TAP TODO: reported, not counted; passing then shows as an
# unexpected pass, the cue to drop the note).
mkdir "$tmp/extra"
$python - "$fixtures" "$keys" "$tmp/extra" >"$tmp/mint.log" 2>&1 <<'EOF' ||
import os, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import mint

keys, out = sys.argv[2], sys.argv[3]
k = mint.load_keys(keys)
now = int(time.time())
rows = []


def add(name, data, expected, reason, args="-", optional="0", todo="-"):
    with open(os.path.join(out, name + ".tok"), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    rows.append("\t".join((name, mint.USER, expected, reason, args, optional, todo)))


def sized(n):
    return mint.compact({"alg": "RS256", "kid": "rsa-1"}, mint.claims(now, pad="x" * n),
                        key=k["rsa"])


t64k = sized(mint.pad_to(sized, 65536))
assert len(t64k) in (65535, 65536), len(t64k)
add("size-64k-exact", t64k, "PAM_SUCCESS", "accepted")
add("size-64k-and-newline", t64k + "\n", "PAM_AUTH_ERR", "too-large|malformed|not-a-token")
add("bearer-prefix-size-64k", "Bearer " + t64k, "PAM_SUCCESS", "accepted")
add("bearer-prefix-and-newline", "Bearer " + sized(0) + "\n", "PAM_AUTH_ERR",
    "malformed|not-a-token")
add("password-only-given-a-token", sized(0), "PAM_AUTH_ERR", "token-not-allowed",
    "password_only ldap_uri=ldap://127.0.0.1:9 ldap_user_dn=uid=%u,dc=example,dc=test",
    optional="1")
with open(os.path.join(out, "cases.tsv"), "w") as f:
    f.write("\n".join(rows) + "\n")

# What verify reads of a token file that ends in a newline: the same bytes
# less one LF (or CR LF).  The module is run on these too.
os.mkdir(os.path.join(out, "stripped"))
for d in (os.path.join(keys, "cases"), out):
    for name in os.listdir(d):
        if not name.endswith(".tok"):
            continue
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        if data.endswith(b"\n"):
            data = data[:-2] if data.endswith(b"\r\n") else data[:-1]
            with open(os.path.join(out, "stripped", name), "wb") as f:
                f.write(data)
EOF
	{ sed 's/^/# /' "$tmp/mint.log"; bail "minting the extra cases failed"; }

# manifest, for the judge: name user expected reason tokenfile stripped(0|1)
# optional(0|1) todo.
: >"$tmp/manifest"

# module_run SERVICE-DIR USER TOKENFILE PRESET OUT-PREFIX (PRESET: "" or --preset)
# shellcheck disable=SC2086 # an empty PRESET must vanish
module_run() {
	(cd "$tmp" && pamwrap_run "$1" $4 bearer "$2" "$3" \
		>"$5.res" 2>"$5.log" </dev/null)
	echo $? >"$5.rc"
}

# run_case NAME USER EXPECTED REASON ARGS TOKENFILE DEFAULT-JWKS [OPTIONAL TODO]
run_case() {
	name=$1 user=$2 args=$5 tok=$6 jwks=$7
	[ -f "$module" ] || bail "module vanished during the run: $module"
	svc=$tmp/svc/$name
	out=$tmp/run/$name
	mkdir "$svc" "$out"

	modargs='' preset='' vargs=''
	for w in $args; do
		case $w in
		-) ;;
		@preset) preset=--preset ;;
		@nojwks) jwks= ;;
		@stderr=*) ;;	# about the module's prompt; nothing for verify
		@*) echo "unknown directive $w" >>"$out/harness" ;;
		jwks=*) jwks=; modargs="$modargs $w"; vargs="$vargs -o $w" ;;
		*) modargs="$modargs $w"; vargs="$vargs -o $w" ;;
		esac
	done
	line="auth required $module config=$tmp/empty.conf"
	if [ -n "$jwks" ]; then
		line="$line jwks=$jwks"
		vargs="-o jwks=$jwks$vargs"
	fi
	{
		[ -n "$preset" ] && echo "auth required $pwmods/pam_set_items.so"
		echo "$line$modargs"
	} >"$svc/bearer"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' \
		>"$svc/other"

	module_run "$svc" "$user" "$tok" "$preset" "$out/module"
	stripped=0
	if [ -f "$tmp/extra/stripped/$name.tok" ]; then
		module_run "$svc" "$user" "$tmp/extra/stripped/$name.tok" "$preset" \
			"$out/module-stripped"
		stripped=1
	fi
	# shellcheck disable=SC2086 # vargs is a word list
	"$helper" verify --config "$tmp/empty.conf" --user "$user" \
		--token-file "$tok" $vargs --json >"$out/json.out" 2>"$out/json.err" </dev/null
	echo $? >"$out/json.rc"
	# shellcheck disable=SC2086
	"$helper" verify --config "$tmp/empty.conf" --user "$user" \
		--token-file "$tok" $vargs >"$out/text.out" 2>"$out/text.err" </dev/null
	echo $? >"$out/text.rc"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$user" "$3" "$4" "$tok" \
		"$stripped" "${8:-0}" "${9:--}" >>"$tmp/manifest"
}

# The cases closest to a time limit run first (exp-within-leeway turns into
# a refusal 30 s after minting, nbf-120s-future into an acceptance after
# 60 s), then the rest in catalogue order: slow builds (sanitizers) need
# most of a minute for the whole catalogue.
early=" exp-within-leeway nbf-120s-future leeway-300-expired-120s-ago iat-300s-future "
for pass in early rest; do
	while IFS=$tab read -r name user expected reason args; do
		case $name in '#'*|'') continue ;; esac
		case $pass$early in
		early*" $name "*|rest*) ;;
		*) continue ;;
		esac
		[ $pass = rest ] && [ -d "$tmp/run/$name" ] && continue
		run_case "$name" "$user" "$expected" "$reason" "$args" \
			"$keys/cases/$name.tok" "$keys/jwks.json"
	done <"$tmp/scenarios.tsv"
done
while IFS=$tab read -r name user expected reason args optional todo; do
	run_case "$name" "$user" "$expected" "$reason" "$args" \
		"$tmp/extra/$name.tok" "$keys/jwks.json" "$optional" "$todo"
done <"$tmp/extra/cases.tsv"

# --- the command line itself ------------------------------------------------------
# cli NAME [ARGS...] <INPUT: run verify, keep stdout, stderr and status.
cli() {
	c=$tmp/cli/$1
	shift
	"$helper" verify "$@" >"$c.out" 2>"$c.err"
	echo $? >"$c.rc"
}
good=$keys/cases/alg-rs256.tok
J="-o jwks=$keys/jwks.json"
# shellcheck disable=SC2086
{
	cli unknown-option --config "$tmp/empty.conf" $J --no-such-option --token-file "$good" </dev/null
	cli positional-token --config "$tmp/empty.conf" $J "$(cat "$good")" </dev/null
	cli two-positionals --config "$tmp/empty.conf" $J --token-file "$good" extra words </dev/null
	cli missing-argument --config "$tmp/empty.conf" $J --token-file </dev/null
	cli help --help </dev/null
	cli no-user --config "$tmp/empty.conf" $J --token-file "$good" </dev/null
	cli no-user-json --config "$tmp/empty.conf" $J --token-file "$good" --json </dev/null
	cli stdin --config "$tmp/empty.conf" $J --user alice --json <"$good"
	cli stdin-wrong-user --config "$tmp/empty.conf" $J --user bob --json <"$good"
	{ cat "$good"; printf '\r\n'; } | cli stdin-crlf --config "$tmp/empty.conf" $J --user alice --json
	{ cat "$good"; printf '\n\n'; } | cli stdin-two-newlines --config "$tmp/empty.conf" $J --user alice --json
	cli no-such-config --config "$tmp/no-such.conf" $J --user alice --json --token-file "$good" </dev/null
	cli no-such-token-file --config "$tmp/empty.conf" $J --user alice --json --token-file "$tmp/no-such.tok" </dev/null
}

# --- the judge ----------------------------------------------------------------------
cat >"$tmp/judge.py" <<'EOF'
import base64, json, os, re, sys

tmp, keys = sys.argv[1], sys.argv[2]
hmac_key = open(os.path.join(keys, "hmac.key"), "rb").read()
key_forms = [hmac_key, base64.b64encode(hmac_key), base64.urlsafe_b64encode(hmac_key),
             base64.urlsafe_b64encode(hmac_key).rstrip(b"="), hmac_key.hex().encode(),
             hmac_key.hex().upper().encode()]
# A prefix of each printable form too: a truncated key is still a leak.
key_forms += [f[:16] for f in key_forms[1:]]

CLASS = {"PAM_SUCCESS": ("accepted", 0), "PAM_AUTH_ERR": ("rejected", 1),
         "PAM_AUTHINFO_UNAVAIL": ("undecided", 2), "PAM_SERVICE_ERR": ("undecided", 2)}
CHECK_NAME = re.compile(r"(config|size|format|path|alg|key|signature|claims|exp|nbf|iat|age|iss|aud|user|claim \S+)$")
CTRL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")
SAID = re.compile(r"SYSLOG\(\d+\): (rejected: [a-z-]+|accepted|unavailable|config)")


def read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except FileNotFoundError:
        return b"" if "b" in mode else ""


def module_said(prefix):
    """(result, decision word) of one pamrun run."""
    result = read(prefix + ".res").strip()
    said = ""
    for line in read(prefix + ".log", "rb").decode("utf-8", "replace").splitlines():
        m = SAID.search(line)
        if m and "SYSLOG(" in line:
            said = m.group(1)
            break
    return result, said


def secrets_of(token):
    """Byte strings that must not appear: the token's parts and its tail."""
    body = token[7:] if token.startswith(b"Bearer ") else token
    found = []
    for part in body.split(b"."):
        part = part.strip()
        if len(part) >= 12:
            found.append(part)
        if len(part) >= 40:
            found += [part[:20], part[-20:]]
    tail = bytes(b for b in token[-64:] if 32 < b < 127)[-24:]
    if len(tail) >= 8:
        found.append(tail)
    return found


def parse_text(text, problems):
    """[(name, outcome)] of the check lines, and the verdict line's text."""
    checks, verdict = [], None
    lines = text.split("\n")
    i = 0
    while i < len(lines) and lines[i] != "":
        line = lines[i]
        m = re.match(r"(.+?) +(ok|FAIL|skip)( |$)", line)
        name = m.group(1) if m else None
        if m is None or not CHECK_NAME.match(name):
            problems.append("text: not a check line: %r" % line[:120])
        else:
            head = name.ljust(10) + " " + m.group(2).ljust(5) + " "
            if not (line + " ").startswith(head):
                problems.append("text: check line not in columns: %r" % line[:120])
            checks.append((name, m.group(2)))
        i += 1
    for line in lines:
        if line.startswith("verdict    "):
            verdict = line[len("verdict    "):]
    return checks, verdict


def judge(name, user, expected, reasons, tokfile, stripped):
    problems = []
    out = os.path.join(tmp, "run", name)
    for line in read(os.path.join(out, "harness")).splitlines():
        problems.append("harness: " + line)
    token = read(tokfile, "rb")

    # (a) the module, on the catalogue's bytes
    got, said = module_said(os.path.join(out, "module"))
    if read(os.path.join(out, "module.rc")).strip() != "0":
        problems.append("pamrun failed (status %s)" % read(os.path.join(out, "module.rc")).strip())
    if got not in expected.split("|"):
        problems.append("module: %s %s, the catalogue expects %s (%s)" % (got, said, expected, reasons))
    note = ""
    if stripped:
        # verify reads the token less its final newline: compare with the
        # module given exactly those bytes.
        note = " [the token ends in a newline, which verify drops; the module, given it, says %s %s;" \
            " compared with the module given the bytes without it]" % (got, said)
        got, said = module_said(os.path.join(out, "module-stripped"))
    if got not in CLASS:
        problems.append("module result %r has no verify counterpart" % got)
        return problems, "%s: module %s" % (name, got)
    want_class, want_rc = CLASS[got]
    word = said[len("rejected: "):] if said.startswith("rejected: ") else said

    # (b) verify, --json and text
    jrc = read(os.path.join(out, "json.rc")).strip()
    trc = read(os.path.join(out, "text.rc")).strip()
    jout = read(os.path.join(out, "json.out"), "rb")
    tout = read(os.path.join(out, "text.out"), "rb")
    jerr = read(os.path.join(out, "json.err"), "rb")
    terr = read(os.path.join(out, "text.err"), "rb")
    if jrc != str(want_rc):
        problems.append("verify --json exit %s, module %s (%s) means %d" % (jrc, got, said, want_rc))
    if trc != jrc:
        problems.append("verify exits %s in text mode but %s with --json" % (trc, jrc))

    report = None
    if jout.strip():
        try:
            report = json.loads(jout)
        except ValueError as e:
            problems.append("--json output is not JSON: %s" % e)
    v_reason = None
    if report is not None:
        if report.get("verdict") != want_class:
            problems.append("verify verdict %r, module %s" % (report.get("verdict"), got))
        v_reason = report.get("reason")
        if want_class == "accepted":
            if "reason" in report:
                problems.append("accepted, yet a reason %r" % v_reason)
        elif v_reason != word:
            problems.append("verify reason %r, module logged %r" % (v_reason, said))
        checks = report.get("checks")
        if not isinstance(checks, list) or not checks:
            problems.append("--json has no checks")
            checks = []
        jchecks = [(c.get("check"), c.get("outcome")) for c in checks]
        if want_class == "rejected" and not any(o == "FAIL" for _, o in jchecks):
            problems.append("rejected without a FAIL check")
        if want_class == "accepted":
            if any(o == "FAIL" for _, o in jchecks):
                problems.append("accepted with a FAIL check")
            if ("user", "ok") not in jchecks:
                problems.append("accepted without \"user ok\"")
        tchecks, tverdict = parse_text(tout.decode("utf-8", "replace"), problems)
        if tchecks != jchecks:
            problems.append("text checks %s differ from --json checks %s" % (tchecks, jchecks))
        if want_class == "accepted":
            want_line = "accepted"
        elif want_class == "rejected":
            want_line = "rejected: %s: " % word
        else:
            want_line = "undecided: %s" % word
        if tverdict is None or not tverdict.startswith(want_line):
            problems.append("text verdict line %r, expected %r..." % (tverdict, want_line))
    elif want_class != "undecided":
        problems.append("verify printed no report")
    else:
        # The configuration did not load: no report, the error says why.
        if tout.strip():
            problems.append("no --json report, yet text output")
        if ("error: %s:" % word).encode() not in jerr:
            problems.append("no report and stderr lacks \"error: %s:\"" % word)
        v_reason = "(no report; stderr says %s)" % word

    # (c) nothing secret, nothing stray
    for what, data in (("--json stdout", jout), ("--json stderr", jerr),
                       ("text stdout", tout), ("text stderr", terr)):
        for s in secrets_of(token):
            if s in data:
                problems.append("%s holds token bytes (...%s)" % (what, s[-12:].decode("ascii", "replace")))
                break
        for s in key_forms:
            if s in data:
                problems.append("%s holds the HMAC key" % what)
                break
        if "stderr" in what:
            for line in data.split(b"\n"):
                if line and not line.startswith(b"bearer-token: "):
                    problems.append("%s: stray line %r" % (what, line[:100]))
                if CTRL.search(line):
                    problems.append("%s: control character in %r" % (what, line[:100]))
        elif CTRL.search(data):
            problems.append("%s holds a control character" % what)

    shown = " ".join(w for w in ((report or {}).get("verdict"), v_reason) if w)
    summary = "%s: module %s %s, verify exit %s %s%s" % (
        name, got, said or "(nothing logged)", jrc, shown, note)
    return problems, summary


results = []
for row in open(os.path.join(tmp, "manifest")):
    name, user, expected, reasons, tokfile, stripped, optional, todo = row.rstrip("\n").split("\t")
    if optional == "1" and module_said(os.path.join(tmp, "run", name, "module"))[1] == "config":
        results.append((True, name, [], "SKIP this build's module does not take the case's options"))
        continue
    problems, summary = judge(name, user, expected, reasons, tokfile, stripped == "1")
    results.append((not problems, summary, problems, None if todo == "-" else "TODO " + todo))


# --- the command line ---------------------------------------------------------
def cli(name):
    base = os.path.join(tmp, "cli", name)
    return (read(base + ".rc").strip(), read(base + ".out", "rb"), read(base + ".err", "rb"))


def cli_json(name):
    try:
        return json.loads(cli(name)[1])
    except ValueError:
        return {}


good = read(os.path.join(keys, "cases", "alg-rs256.tok"), "rb")
good_sig = good.rsplit(b".", 1)[1]
extra = []


def check(ok, desc, diag="", todo=None):
    extra.append((bool(ok), desc, [diag] if diag and not ok else [], todo))


rc, so, se = cli("unknown-option")
check(rc == "64" and so == b"" and b"usage:" in se,
      "unknown option: exit 64, usage on stderr, nothing on stdout", "exit %s" % rc)
rc, so, se = cli("positional-token")
check(rc == "64" and so == b"", "a token given as an argument: exit 64, no report",
      "exit %s" % rc)
check(good_sig not in se and good_sig not in so,
      "a token given as an argument is not echoed back",
      "stderr quotes the token's signature (%d bytes of stderr)" % len(se))
rc, so, se = cli("two-positionals")
check(rc == "64" and so == b"", "stray words after the options: exit 64", "exit %s" % rc)
rc, so, se = cli("missing-argument")
check(rc == "64" and so == b"", "--token-file without its argument: exit 64", "exit %s" % rc)
rc, so, se = cli("help")
check(rc == "0" and b"--token-file" in so and se == b"", "--help: exit 0, the options on stdout",
      "exit %s" % rc)
rc, so, se = cli("no-user")
m = re.search(rb"^user       skip  (.*)$", so, re.M)
check(rc == "0" and m is not None,
      "no --user: the user check is reported as skip, the token is accepted",
      "exit %s, output %r" % (rc, so[-400:]))
m = re.search(rb"^exp        ok    expires in [0-9]+m[0-9]+s$", so, re.M)
check(m is not None, "text: 'exp        ok    expires in 9m59s' for a fresh token",
      repr(so[:400]))
checks = {c["check"]: c["outcome"] for c in cli_json("no-user-json").get("checks", [])}
check(cli("no-user-json")[0] == "0" and checks.get("user") == "skip",
      "no --user, --json: checks[] has user: skip", repr(checks))
check(cli("stdin")[0] == "0" and cli_json("stdin").get("verdict") == "accepted",
      "the token on standard input is read like --token-file", cli("stdin")[2][:200])
check(cli("stdin-wrong-user")[0] == "1" and
      cli_json("stdin-wrong-user").get("reason") == "user-mismatch",
      "--user bob for alice's token: exit 1, reason user-mismatch", cli("stdin-wrong-user")[2][:200])
check(cli("stdin-crlf")[0] == "0", "one trailing CR LF is dropped", cli("stdin-crlf")[2][:200])
check(cli("stdin-two-newlines")[0] == "1" and
      cli_json("stdin-two-newlines").get("verdict") == "rejected",
      "only one trailing newline is dropped: a second one makes the token unreadable",
      repr(cli("stdin-two-newlines")[:2])[:300])
rc, so, se = cli("no-such-config")
check(rc == "2", "an unreadable --config file: exit 2 (could not decide)", "exit %s %r" % (rc, se[:200]))
rc, so, se = cli("no-such-token-file")
check(rc == "2", "an unreadable --token-file: exit 2", "exit %s %r" % (rc, se[:200]))

print("1..%d" % (len(results) + len(extra)))
n = failed = 0
for ok, summary, problems, directive in results:
    n += 1
    print("%s %d - %s%s" % ("ok" if ok else "not ok", n, summary,
                            " # " + directive if directive else ""))
    for p in problems:
        print("# " + p)
    failed += not ok and not directive
for ok, desc, problems, todo in extra:
    n += 1
    print("%s %d - %s%s" % ("ok" if ok else "not ok", n, desc, " # TODO " + todo if todo else ""))
    for p in problems:
        print("# " + p)
    failed += not ok and not todo
agree = sum(1 for ok, _s, _p, d in results if ok and not (d or "").startswith("SKIP"))
print("# %d of %d cases: verify and the module agree; %d failures in all" % (agree, len(results), failed))
sys.exit(1 if failed else 0)
EOF
$python "$tmp/judge.py" "$tmp" "$keys"
