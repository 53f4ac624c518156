#!/usr/bin/env python3
"""The curl examples of docs/api/*.md, run against a real `xcr serve --listen 127.0.0.1:PORT`
with an HTTPS xapi-sim pool: every example is checked to answer the status it documents.

A page marks an example for this test with an HTML comment (invisible once rendered) on the line
right before its ```sh fence:

    <!-- test -->                 every curl in the block answers a 2xx
    <!-- test: 201 -->            every curl answers 201
    <!-- test: 201 200 -->        the first curl 201, the second 200 (in order)
    <!-- test: 204 cleanup -->    run in the cleanup phase (see below)

Every ```sh block that calls curl must be marked: an example nobody runs is an example that
rots. The blocks run in one bash session (a variable one example sets, the next uses), pages in
the order of PAGES (then any other page), then the cleanup blocks of every page in the reverse
order (deletes after everything that used what they delete). `curl` is a shell function there
that adds `-sS -w '%{stderr}HTTP %{http_code}'`, so pipes (`| jq -r .id`) work as written.

The session starts with the variables the pages' set-up blocks describe: XCR (the listener's URL,
no trailing slash), CA (its self-signed certificate), SOCK (the daemon's Unix socket), POOL_URL
and POOL_PASSWORD (the simulator), ADMIN_PASSWORD (the one-time password the first start
printed), in a fresh working directory (cookie jars land there).

usage: api_docs_test.py XCR_BINARY XAPI_SIM_BINARY DOCS_API_DIR
Prints `api docs: N passed, M failed`; exits 1 if any example failed.
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PAGES = ["auth.md", "pools.md", "jobs.md", "runs.md", "replicas.md", "status.md",
         "health-metrics.md"]
MARK = re.compile(r"^<!--\s*test(?::\s*(?P<opts>[^>]*?))?\s*-->\s*$")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def examples(path):
    """[(where, expected statuses, cleanup, code)] of one page; fails on an unmarked curl."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    name = os.path.basename(path)
    while i < len(lines):
        fence = re.match(r"^```(\S*)\s*$", lines[i])
        if not fence or not fence.group(1):
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        code = "\n".join(lines[i + 1:j])
        mark = MARK.match(lines[i - 1]) if i > 0 else None
        where = "%s:%d" % (name, start + 1)
        if mark:
            if fence.group(1) != "sh":
                fail(where + ": a tested example must be a ```sh block")
            opts = (mark.group("opts") or "").split()
            statuses = [o for o in opts if re.fullmatch(r"\d{3}", o)]
            unknown = [o for o in opts if o not in statuses and o != "cleanup"]
            if unknown:
                fail(where + ": unknown test option(s) " + " ".join(unknown))
            out.append((where, statuses, "cleanup" in opts, code))
        elif fence.group(1) == "sh" and re.search(r"\bcurl\b", code):
            fail(where + ": a curl example without a <!-- test --> mark")
        i = j + 1
    return out


def script(blocks, status_file):
    parts = [
        "set -o pipefail",
        "__status=%s" % shlex.quote(status_file),
        "__passed=0 __failed=0",
        "curl() { command curl -sS -w '%{stderr}HTTP %{http_code}\\n' \"$@\" 2>>\"$__status\"; }",
        "__begin() { : >\"$__status\"; echo \"=== $1\"; }",
        r"""__end() {  # rc, where, expected statuses...
  local rc=$1 where=$2; shift 2
  local codes other i want bad=
  codes=($(sed -n 's/^HTTP \([0-9][0-9]*\)$/\1/p' "$__status"))
  other=$(grep -v '^HTTP [0-9]*$' "$__status" || true)
  if [ "$rc" -ne 0 ]; then bad="exited $rc"
  elif [ ${#codes[@]} -eq 0 ]; then bad="no curl answered"
  elif [ $# -gt 1 ] && [ $# -ne ${#codes[@]} ]; then
    bad="${#codes[@]} curl(s) answered ${codes[*]}, the mark lists $# statuses"
  else
    for i in "${!codes[@]}"; do
      if [ $# -eq 0 ]; then want=2xx; [[ ${codes[$i]} == 2?? ]] && continue
      elif [ $# -eq 1 ]; then want=$1; [ "${codes[$i]}" = "$1" ] && continue
      else want=${@:$((i + 1)):1}; [ "${codes[$i]}" = "$want" ] && continue
      fi
      bad="curl #$((i + 1)) answered ${codes[$i]}, want $want"
      break
    done
  fi
  if [ -n "$bad" ]; then
    echo "FAIL: $where: $bad${other:+ ($other)}" >&2
    __failed=$((__failed + 1))
  else
    echo "--- ok $where: ${codes[*]}"
    __passed=$((__passed + 1))
  fi
}""",
    ]
    for where, statuses, _, code in blocks:
        parts.append("__begin %s" % shlex.quote(where))
        parts.append(code)
        parts.append("__end $? %s %s" % (shlex.quote(where), " ".join(statuses)))
    parts.append('echo "api docs: $__passed passed, $__failed failed"')
    parts.append('[ "$__failed" -eq 0 ]')
    return "\n".join(parts) + "\n"


def wait_line(proc_file, pattern, proc, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(proc_file, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.search(pattern, line)
                if m:
                    return m
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    fail("%s did not start: %s" % (what, open(proc_file.replace(".out", ".err")).read()))


def main():
    if len(sys.argv) != 4:
        fail("usage: api_docs_test.py XCR_BINARY XAPI_SIM_BINARY DOCS_API_DIR")
    xcr, sim, docs = sys.argv[1:]
    for tool in ("curl", "jq", "bash"):
        if shutil.which(tool) is None:
            fail(tool + " is needed (scripts/install-deps.sh installs it)")
    names = [p for p in PAGES if os.path.exists(os.path.join(docs, p))]
    missing = [p for p in PAGES if p not in names]
    if missing:
        fail("missing pages in %s: %s" % (docs, " ".join(missing)))
    names += sorted(p for p in os.listdir(docs) if p.endswith(".md") and p not in PAGES)
    per_page = [(n, examples(os.path.join(docs, n))) for n in names]
    for n, ex in per_page:
        if not ex:
            fail(n + " has no tested example")
    main_blocks = [b for _, ex in per_page for b in ex if not b[2]]
    cleanup = [b for _, ex in reversed(per_page) for b in ex if b[2]]

    work = tempfile.mkdtemp(prefix="xcr-api-docs-")
    procs = []
    try:
        def start(name, args):
            out = open(os.path.join(work, name + ".out"), "w")
            err = open(os.path.join(work, name + ".err"), "w")
            p = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            procs.append(p)
            return p

        pool = start("sim", [sim, "--state", os.path.join(work, "pool"), "--listen",
                             "127.0.0.1:0", "--https", "--populate", "1", "--disk-size", "16M"])
        m = wait_line(os.path.join(work, "sim.out"), r"^xapi-sim listening on (\S+)", pool,
                      "xapi-sim")
        pool_url = m.group(1)
        state = os.path.join(work, "state")
        serve = start("serve", [xcr, "serve", "--state-dir", state, "--listen", "127.0.0.1:0"])
        m = wait_line(os.path.join(work, "serve.out"), r"^xcr listening on (https://\S+)$", serve,
                      "xcr serve")
        url = m.group(1).rstrip("/")
        m = wait_line(os.path.join(work, "serve.err"), r"one-time password: (\S+)$", serve,
                      "xcr serve")
        admin_password = m.group(1)
        sock = os.path.join(state, "xcr.sock")
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        cwd = os.path.join(work, "cwd")
        os.mkdir(cwd)
        env = dict(os.environ, XCR=url, CA=os.path.join(state, "tls", "cert.pem"), SOCK=sock,
                   POOL_URL=pool_url, POOL_PASSWORD="xapi-sim", ADMIN_PASSWORD=admin_password)
        path = os.path.join(work, "examples.sh")
        with open(path, "w") as f:
            f.write(script(main_blocks + cleanup, os.path.join(work, "status")))
        rc = subprocess.run(["bash", path], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            timeout=600).returncode
        if rc != 0:
            print("--- xcr serve's log (last 40 lines):", file=sys.stderr)
            log = open(os.path.join(work, "serve.err")).read().split("\n")
            print("\n".join(log[-40:]), file=sys.stderr)
        return rc
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
