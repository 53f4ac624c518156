"""The fault suite's pieces: simulated pools, xcr runs, the call-log phase classifier and the
invariant checks. Used by tests/faults/run (the runner); see docs/reliability.md.

Every pool is a real xapi-sim process on 127.0.0.1 (a free port), started with
XCR_LOG_LEVEL=debug so its stderr is a call log ("call METHOD ARGS", "transfer export|import"),
and stopped (SIGTERM, then waited for) by Pool.stop(). Runs are real `xcr replicate` processes.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import xmlrpc.client

# Other-config keys (engine/other_config_keys.h).
K_JOB = "xo:backup:job"
K_VM = "xo:backup:vm"
K_DATETIME = "xo:backup:datetime"
K_EXPORTED = "xo:backup:exported"
K_COPY_OF = "xo:copy_of"
K_CONTENT_KEY = "xo:backup:contentKey"
K_IMPORT_TASK = "xo:import:task"
K_LEASE = "xcr:lease"
K_LEASE_GUARD = "xcr:lease:guard"
PLACEHOLDER = "19700101T000000Z"
NULL = "OpaqueRef:NULL"

PASSWORD = "xapi-sim"


class Pool:
    """One xapi-sim process and a logged-in XML-RPC session to it (re-logged in when expired)."""

    def __init__(self, sim, folder, name, args=()):
        self.name = name
        self.state = os.path.join(folder, name)
        self.log_path = self.state + ".log"
        shutil.rmtree(self.state, ignore_errors=True)
        env = dict(os.environ, XCR_LOG_LEVEL="debug")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sim, "--state", self.state, "--listen", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (\S+)", line)
        if not m:
            self.stop()
            raise RuntimeError("xapi-sim %s did not start: %s" % (name, open(self.log_path).read()))
        self.url = m.group(1)
        self.rpc = xmlrpc.client.ServerProxy(self.url, allow_none=True)
        self.session = None
        self.login()

    def login(self):
        r = self.rpc.session.login_with_password("root", PASSWORD)
        if r["Status"] != "Success":
            raise RuntimeError("login to %s failed: %s" % (self.url, r))
        self.session = r["Value"]

    def call(self, method, *args, check=True):
        """Calls method(session, *args); returns the value, or raises on failure when check."""
        for attempt in range(2):
            f = self.rpc
            for part in method.split("."):
                f = getattr(f, part)
            r = f(self.session, *args)
            if r["Status"] == "Success":
                return r["Value"]
            if r["ErrorDescription"][0] == "SESSION_INVALID" and attempt == 0:
                self.login()
                continue
            if check:
                raise RuntimeError("%s on %s: %s" % (method, self.name, r["ErrorDescription"]))
            return None

    def log_offset(self):
        self.log.flush()
        return os.path.getsize(self.log_path)

    def calls_since(self, offset):
        """(time, pool name, text) of every call and transfer logged after `offset`."""
        out = []
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            for line in f:
                m = re.match(r"(\S+) DEBUG\s+\S+\] (call|transfer) (.*)", line)
                if m:
                    out.append((m.group(1), self.name, m.group(2) + " " + m.group(3)))
        return out

    def records(self, cls):
        return self.call(cls + ".get_all_records")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def the_vm(pool):
    """(ref, record) of the pool's one VM that is neither a snapshot, a template nor dom0."""
    for ref, r in pool.records("VM").items():
        if not r["is_a_snapshot"] and not r["is_a_template"] and not r["is_control_domain"]:
            return ref, r
    raise RuntimeError("no VM on " + pool.url)


class Run:
    """One `xcr replicate --json` process."""

    def __init__(self, xcr, src, dst, vm_uuid, job, folder, tag):
        self.out_path = os.path.join(folder, tag + ".out")
        self.err_path = os.path.join(folder, tag + ".err")
        cmd = [xcr, "replicate", "--source", src.url, "--vm", vm_uuid, "--target", dst.url,
               "--sr", "Local storage", "--job-id", job, "--json"]
        env = dict(os.environ, XCR_PASSWORD=PASSWORD)
        env.pop("XCR_LOG_LEVEL", None)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=open(self.out_path, "w"),
                                     stderr=open(self.err_path, "w"), env=env)
        self.rc = None
        self.killed = False

    def kill_at(self, seconds):
        """SIGKILL after `seconds` if still running; True when the kill landed."""
        deadline = self.started + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            time.sleep(0.005)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.killed = True
        self.rc = self.proc.wait()
        return self.killed

    def wait(self, timeout=300):
        self.rc = self.proc.wait(timeout)
        return self.rc

    def report(self):
        try:
            return json.load(open(self.out_path))
        except (ValueError, OSError):
            return None

    def stderr(self):
        return open(self.err_path, errors="replace").read()


# ---- phases ----

PHASES = ["check", "snapshot", "tagging", "VM creation", "transfer", "marking", "retention"]
CREATION = ("VM.create", "VDI.create", "VDI.clone", "VBD.create", "VIF.create",
            "network.get_all_records")
MARKING = ("VDI.set_other_config", "VM.set_blocked_operations", "VM.add_tags",
           "VM.set_name_label", "VM.set_other_config", "VM.add_to_other_config",
           "VDI.add_to_other_config")


def classify(calls, src_name):
    """The phase of a run from its call log (both pools' calls merged in time order): each call
    moves the phase forward only, in the engine's order; the phase is where the last call left it.
    """
    phase = 0
    src_marked = False
    for _, pool, text in sorted(calls, key=lambda c: c[0]):
        kind, _, rest = text.partition(" ")
        method = rest.split(" ")[0] if kind == "call" else "transfer"
        method = method[6:] if method.startswith("Async.") else method
        if method == "VM.snapshot" and phase < 1:
            phase = 1
        elif phase == 1:
            phase = 2
        elif phase == 2 and ((pool != src_name and method in CREATION) or
                             (pool == src_name and method == "VM.get_record")):
            phase = 3
        elif phase in (2, 3) and (method == "task.create" or method == "transfer"):
            phase = 4
        elif phase == 4 and method in MARKING:
            phase = 5
        if phase == 5:
            if pool == src_name and method in ("VM.set_other_config", "VDI.set_other_config"):
                src_marked = True
            elif (src_marked and method.endswith("get_all_records")) or \
                    method in ("VM.destroy", "VDI.destroy"):
                phase = 6
    return PHASES[phase]


# ---- invariants ----

def usable_replica_vdi(oc, job):
    """A target VDI that looks like a complete replica disk (engine/base_selection.cc)."""
    if oc.get(K_DATETIME, PLACEHOLDER) == PLACEHOLDER or oc.get(K_IMPORT_TASK):
        return False
    return oc.get(K_JOB) == job or bool(oc.get(K_CONTENT_KEY))


def wrong_replicas(src, dst, job):
    """(checked, wrong, unverifiable): every complete-looking replica disk of the job on the
    target against its source snapshot disk, by the simulator's SHA-256 of each."""
    src_vdis = {r["uuid"]: ref for ref, r in src.records("VDI").items()}
    checked = wrong = unverifiable = 0
    details = []
    for ref, r in dst.records("VDI").items():
        oc = r["other_config"]
        if not usable_replica_vdi(oc, job):
            continue
        origin = oc.get(K_COPY_OF) or oc.get(K_CONTENT_KEY)
        if origin not in src_vdis:
            unverifiable += 1
            continue
        # A disk a killed run's last call destroys as we look is gone, not wrong.
        a = src.call("sim.vdi_sha256", src_vdis[origin], check=False)
        b = dst.call("sim.vdi_sha256", ref, check=False)
        if a is None or b is None:
            unverifiable += 1
            continue
        checked += 1
        if a != b:
            wrong += 1
            details.append("replica disk %s differs from source snapshot disk %s" %
                           (r["uuid"], origin))
    return checked, wrong, unverifiable, details


def base_survives(src, dst, job, vm_uuid):
    """True when some exported snapshot of the job has a usable replica of each of its disks on
    the target (the next run may then be a delta)."""
    vbds = src.records("VBD")
    src_vdis = src.records("VDI")
    dst_vdis = dst.records("VDI")
    for ref, s in src.records("VM").items():
        oc = s["other_config"]
        if not s["is_a_snapshot"] or oc.get(K_JOB) != job or oc.get(K_VM) != vm_uuid:
            continue
        if oc.get(K_EXPORTED) != "true" or oc.get(K_DATETIME, PLACEHOLDER) == PLACEHOLDER:
            continue
        disks = [src_vdis[vbds[b]["VDI"]]["uuid"] for b in s["VBDs"]
                 if vbds[b]["type"] == "Disk" and vbds[b]["VDI"] in src_vdis]
        if disks and all(any(usable_replica_vdi(d["other_config"], job) and
                             (d["other_config"].get(K_CONTENT_KEY) == u or
                              d["other_config"].get(K_COPY_OF) == u)
                             for d in dst_vdis.values()) for u in disks):
            return True
    return False


def leftovers(src, dst, job, vm_ref, own_snapshot, own_replica):
    """What is left of the job after a recovery run that is neither its replica, its base (the
    recovery's own snapshot) nor anything else the run made: a list of descriptions."""
    left = []
    vms = src.records("VM")
    for ref, r in vms.items():
        if not r["is_a_snapshot"] or r["snapshot_of"] != vm_ref:
            continue
        mine = r["other_config"].get(K_JOB) == job or r["name_label"].startswith("[xcr %s]" % job)
        if mine and r["uuid"] != own_snapshot:
            tagged = K_JOB in r["other_config"]
            left.append("source snapshot %s (%s)" % (r["uuid"], "tagged" if tagged else "untagged"))
    for pool, side in ((src, "source"), (dst, "target")):
        attached = set()
        for ref, r in pool.records("VM").items():
            if r["is_control_domain"]:
                continue
            for vbd in r["VBDs"]:
                attached.add(vbd)
        vbds = pool.records("VBD")
        used = {vbds[b]["VDI"] for b in attached if b in vbds}
        for ref, r in pool.records("VDI").items():
            if ref not in used:
                left.append("%s disk %s '%s' attached to nothing" % (side, r["uuid"], r["name_label"]))
    for ref, r in dst.records("VM").items():
        if r["other_config"].get(K_JOB) == job and r["uuid"] != own_replica:
            complete = r["other_config"].get(K_DATETIME, PLACEHOLDER) != PLACEHOLDER
            left.append("target VM %s (%s)" % (r["uuid"], "complete" if complete else "incomplete"))
    return left


def lease_of(src, vm_ref):
    oc = src.call("VM.get_other_config", vm_ref)
    return oc.get(K_LEASE), oc.get(K_LEASE_GUARD)


def expire_lease(src, vm_ref, lease_too=True):
    """A killed run cannot release its lease, nor the lease's guard when it died holding it. Its
    lease names this host and a process that is gone: the next run takes it over at once (no
    expiry moved: the suite checks that). Its guard stays until it expires (60 s): the suite
    stands for that time passing by moving its expiry into the past, as it does for the lease too
    when `lease_too` (a lease left by a run that was not killed). Returns (lease was left, guard
    was left)."""
    oc = src.call("VM.get_other_config", vm_ref)
    past = int(time.time()) - 1
    lease, guard = oc.get(K_LEASE), oc.get(K_LEASE_GUARD)
    if lease and lease_too:
        src.call("VM.remove_from_other_config", vm_ref, K_LEASE)
        src.call("VM.add_to_other_config", vm_ref, K_LEASE,
                 re.sub(r"expires=\d+", "expires=%d" % past, lease))
    if guard:
        src.call("VM.remove_from_other_config", vm_ref, K_LEASE_GUARD)
        src.call("VM.add_to_other_config", vm_ref, K_LEASE_GUARD,
                 "%d;%s" % (past, guard.partition(";")[2]))
    return bool(lease), bool(guard)


# ---- the daemon ----

class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("xcr", timeout=75)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


class Daemon:
    """An `xcr serve` process on a state folder, its JSON API over its Unix socket
    (docs/api.md)."""

    def __init__(self, xcr, state, log_path):
        self.xcr = xcr
        self.state = state
        self.sock = os.path.join(state, "xcr.sock")
        self.log_path = log_path
        self.proc = None

    def start(self):
        env = dict(os.environ)
        env.pop("XCR_LOG_LEVEL", None)
        self.proc = subprocess.Popen([self.xcr, "serve", "--state-dir", self.state],
                                     stdout=open(self.log_path, "a"), stderr=subprocess.STDOUT,
                                     env=env)
        for _ in range(200):
            if self.proc.poll() is not None:
                raise RuntimeError("xcr serve exited: " + open(self.log_path).read()[-800:])
            try:
                if self.api("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("xcr serve did not answer on " + self.sock)

    def api(self, method, path, body=None):
        """(HTTP status, decoded JSON body or None)."""
        c = _UnixConnection(self.sock)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            c.request(method, path, json.dumps(body) if body is not None else None, headers)
            r = c.getresponse()
            data = r.read()
            try:
                return r.status, json.loads(data) if data else None
            except ValueError:
                return r.status, data.decode(errors="replace")
        finally:
            c.close()

    def must(self, want, method, path, body=None):
        status, got = self.api(method, path, body)
        if status != want:
            raise RuntimeError("%s %s answered %d, want %d: %s" % (method, path, status, want, got))
        return got

    def wait_run(self, run, seconds=120):
        """The run once it ended (result no longer running)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            r = self.must(200, "GET", "/api/runs/%s?wait=30" % run)
            if r.get("result") not in ("running", None, ""):
                return r
        raise RuntimeError("run %s did not end within %d s" % (run, seconds))

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait()
        return self.proc.returncode if self.proc else 0


def newest_of_job(src, dst, job):
    """(uuid of the job's newest exported source snapshot, uuid of its newest complete replica)."""
    def newest(records, want):
        best = ("", "")
        for r in records.values():
            oc = r["other_config"]
            if oc.get(K_JOB) == job and want(r) and oc.get(K_DATETIME, PLACEHOLDER) != PLACEHOLDER:
                best = max(best, (oc[K_DATETIME], r["uuid"]))
        return best[1]
    snap = newest(src.records("VM"),
                  lambda r: r["is_a_snapshot"] and r["other_config"].get(K_EXPORTED) == "true")
    replica = newest(dst.records("VM"), lambda r: not r["is_a_snapshot"])
    return snap, replica
