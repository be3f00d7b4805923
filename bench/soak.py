#!/usr/bin/env python3
"""soak.py - the raw-socket clients of bench/soak.sh.

  slow    holds many connections that each send the start of a request head, then one more
          byte every few seconds, and never finish it; reports how many of them the server keeps
          open, closes or answers, over time and per source address.
  params  sends, again and again, a GET whose query holds thousands of parameters, reads the
          answer and closes; reports how many were answered and with which status lines.

In the slow timeline, "open" counts the connections whose handshake completed, as the client
sees them: the server may not have accepted them yet, or may be about to close them; "closed
by server" counts the ends it saw (EOF or reset), and with --reopen-after a closed connection
is opened again, so that the total stays at --conns.

Both talk only to the address given (127.0.0.1 by default), stop after a bounded count and a
bounded time, and end with one line of name=value pairs, starting with RESULT, that
bench/soak.sh reads. Standard library only (Python 3.8 or later).
"""

import argparse
import collections
import errno
import ipaddress
import os
import resource
import selectors
import socket
import statistics
import sys
import threading
import time

# The start of a head, as a client would send it; the rest of it never comes.
SLOW_HEAD = b"GET /v2/calls HTTP/1.1\r\nHost: x\r\n"
# What follows, one byte at a time: a well-formed header line, again and again.
SLOW_TRICKLE = b"X-a: b\r\n"


def raise_nofile(need):
    """Raises the soft limit on open files towards NEED, as far as the hard limit allows;
    returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def parse_sources(spec):
    """'', '127.0.0.2', '127.0.0.2-127.0.0.50' or a comma-separated list of those."""
    if spec in ("", "none"):
        return [None]
    out = []
    for part in spec.split(","):
        if "-" in part:
            lo, hi = (ipaddress.IPv4Address(p.strip()) for p in part.split("-", 1))
            if hi < lo:
                raise ValueError("empty range: " + part)
            out.extend(str(ipaddress.IPv4Address(a)) for a in range(int(lo), int(hi) + 1))
        else:
            out.append(str(ipaddress.IPv4Address(part.strip())))
    for a in out:
        if not ipaddress.IPv4Address(a).is_loopback:
            raise ValueError("not a loopback address: " + a)
    return out


def server_view(pid):
    """The server's VmRSS in MB and its open sockets, or None where /proc does not tell."""
    if not pid:
        return None, None
    rss = None
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024.0
                    break
    except OSError:
        return None, None
    socks = 0
    try:
        d = "/proc/%d/fd" % pid
        for fd in os.listdir(d):
            try:
                if os.readlink(os.path.join(d, fd)).startswith("socket:"):
                    socks += 1
            except OSError:
                pass
    except OSError:
        socks = None
    return rss, socks


def fmt_server(pid):
    rss, socks = server_view(pid)
    if rss is None:
        return "server: gone" if pid else ""
    s = "server RSS %.1f MB" % rss
    if socks is not None:
        s += ", %d sockets" % socks
    return s


def status_of(data):
    """The status line at the start of DATA, or None."""
    line = data.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    if not line.startswith(b"HTTP/"):
        return None
    return line.decode("latin-1").strip()[:60]


# ---- slow ---------------------------------------------------------------------------------

CONNECTING, OPEN, CLOSED = 0, 1, 2


class SlowConn:
    __slots__ = ("sock", "slot", "src", "state", "started", "established", "sent", "got",
                 "answered")

    def __init__(self, sock, slot, src, now):
        self.sock = sock
        self.slot = slot
        self.src = src
        self.state = CONNECTING
        self.started = now
        self.established = None
        self.sent = 0
        self.got = b""
        self.answered = False


class SourceStats:
    __slots__ = ("opened", "open", "max_open", "closed", "failed", "answered")

    def __init__(self):
        self.opened = self.open = self.max_open = self.closed = self.failed = self.answered = 0


def run_slow(a):
    sources = parse_sources(a.sources)
    limit = raise_nofile(a.conns + 256)
    if limit < a.conns + 64:
        print("slow: only %d open files allowed; holding %d connections" % (limit, limit - 64))
        a.conns = max(1, limit - 64)
    sel = selectors.DefaultSelector()
    per = {s: SourceStats() for s in sources}
    closed_how = collections.Counter()
    failed_how = collections.Counter()
    answers = collections.Counter()
    lifetimes = []
    fresh = collections.deque(range(a.conns))  # slots never opened yet
    again = collections.deque()  # (not before, slot): slots to open again, about in order
    trickle = collections.deque()  # (due, conn), in due order
    connecting = set()
    n_open = max_open = reopened = 0
    t0 = time.monotonic()
    end = t0 + a.seconds
    next_report = t0 + a.report
    next_sweep = t0 + 0.5

    def src_of(slot):
        return sources[slot % len(sources)]

    def fail(slot, src, how, now):
        failed_how[how] += 1
        per[src].failed += 1
        if a.reopen_after >= 0:
            again.append((now + max(a.reopen_after, 0.5), slot))

    def drop(c, how, now):
        nonlocal n_open
        if c.state == CLOSED:
            return
        was_open = c.state == OPEN
        if c.state == CONNECTING:
            connecting.discard(c)
        c.state = CLOSED
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        if was_open:
            n_open -= 1
            per[c.src].open -= 1
            per[c.src].closed += 1
            closed_how[how] += 1
            lifetimes.append(now - c.established)
            if a.reopen_after >= 0:
                again.append((now + a.reopen_after, c.slot))
        else:
            fail(c.slot, c.src, how, now)

    def open_one(slot, now):
        src = src_of(slot)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            if src is not None:
                s.bind((src, 0))
            err = s.connect_ex((a.host, a.port))
        except OSError as e:
            s.close()
            fail(slot, src, errno.errorcode.get(e.errno, str(e.errno)), now)
            return
        if err not in (0, errno.EINPROGRESS):
            s.close()
            fail(slot, src, errno.errorcode.get(err, str(err)), now)
            return
        c = SlowConn(s, slot, src, now)
        connecting.add(c)
        sel.register(s, selectors.EVENT_WRITE, c)

    def established(c, now):
        nonlocal n_open, max_open
        connecting.discard(c)
        c.state = OPEN
        c.established = now
        n_open += 1
        max_open = max(max_open, n_open)
        st = per[c.src]
        st.opened += 1
        st.open += 1
        st.max_open = max(st.max_open, st.open)
        try:
            c.sock.send(SLOW_HEAD)
        except OSError as e:
            drop(c, "reset on send" if e.errno != errno.EPIPE else "closed on send", now)
            return
        sel.modify(c.sock, selectors.EVENT_READ, c)
        trickle.append((now + a.interval, c))

    def readable(c, now):
        try:
            data = c.sock.recv(4096)
        except (ConnectionResetError, ConnectionAbortedError):
            drop(c, "reset", now)
            return
        except BlockingIOError:
            return
        except OSError as e:
            drop(c, errno.errorcode.get(e.errno, "error"), now)
            return
        if not data:
            drop(c, "closed (EOF)", now)
            return
        if not c.answered:
            c.got += data[:256]
            if b"\n" in c.got or len(c.got) >= 256:
                c.answered = True
                st = status_of(c.got)
                if st is not None:
                    answers[st] += 1
                    per[c.src].answered += 1

    def report(now):
        connected_now = n_open
        print(
            "  t=%3.0fs  open %5d (max %5d)  connecting %5d  closed by server %6d  "
            "connect failures %6d  answers %5d  %s"
            % (now - t0, connected_now, max_open, len(connecting), sum(closed_how.values()),
               sum(failed_how.values()), sum(answers.values()), fmt_server(a.pid)),
            flush=True,
        )

    print(
        "slow: %d connections to %s:%d from %s; head %r, then one byte every %gs; "
        "for %gs; %s"
        % (a.conns, a.host, a.port,
           "the default address" if sources == [None] else
           (sources[0] if len(sources) == 1 else "%d addresses (%s .. %s)" % (
               len(sources), sources[0], sources[-1])),
           SLOW_HEAD.decode(), a.interval, a.seconds,
           "connections the server closes are opened again after %gs" % a.reopen_after
           if a.reopen_after >= 0 else "closed connections are not opened again"),
        flush=True,
    )
    while True:
        now = time.monotonic()
        if now >= end:
            break
        # Open what is due, a bounded number at a time.
        budget = min(a.max_connecting - len(connecting), 512)
        while budget > 0 and again and again[0][0] <= now:
            reopened += 1
            open_one(again.popleft()[1], now)
            budget -= 1
        while budget > 0 and fresh:
            open_one(fresh.popleft(), now)
            budget -= 1
        for key, _ in sel.select(0.05):
            c = key.data
            t = time.monotonic()
            if c.state == CONNECTING:
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    drop(c, errno.errorcode.get(err, str(err)), t)
                else:
                    established(c, t)
            elif c.state == OPEN:
                readable(c, t)
        now = time.monotonic()
        # One byte each for the connections whose turn it is.
        while trickle and trickle[0][0] <= now:
            _, c = trickle.popleft()
            if c.state != OPEN:
                continue
            b = SLOW_TRICKLE[c.sent % len(SLOW_TRICKLE) : c.sent % len(SLOW_TRICKLE) + 1]
            try:
                c.sock.send(b)
                c.sent += 1
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError, OSError):
                drop(c, "closed on send", now)
                continue
            trickle.append((now + a.interval, c))
        if now >= next_sweep:
            next_sweep = now + 0.5
            for c in [c for c in connecting if now - c.started > a.connect_timeout]:
                drop(c, "connect timeout", now)
        if now >= next_report:
            next_report += a.report
            report(now)

    now = time.monotonic()
    open_end = n_open
    still_connecting = len(connecting)
    rss_end, socks_end = server_view(a.pid)
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    sel.close()

    print("slow: after %.0fs: %d open, %d still connecting; %d opened in all (%d again after"
          " a close), at most %d at once"
          % (now - t0, open_end, still_connecting, sum(s.opened for s in per.values()), reopened,
             max_open))
    total_closed = sum(closed_how.values())
    if total_closed:
        life = sorted(lifetimes)
        print("  closed by the server: %d (%s); open for %.1f s min, %.1f s median, %.1f s max"
              % (total_closed, ", ".join("%s %d" % kv for kv in closed_how.most_common()),
                 life[0], statistics.median(life), life[-1]))
    else:
        print("  closed by the server: none")
    if failed_how:
        print("  connect failures: %d (%s)"
              % (sum(failed_how.values()),
                 ", ".join("%s %d" % kv for kv in failed_how.most_common())))
    else:
        print("  connect failures: none")
    if answers:
        print("  answers the server sent them: "
              + ", ".join("%d x %s" % (n, s) for s, n in answers.most_common()))
    else:
        print("  answers the server sent them: none")
    if len(sources) > 1 or sources != [None]:
        print("  per source:  %-11s %7s %9s %8s %9s %9s %8s"
              % ("address", "opened", "open end", "max open", "closed", "failures", "answers"))
        shown = sources if len(sources) <= 12 else sources[:5] + [None] + sources[-5:]
        for s in shown:
            if s is None:
                print("               ... (%d more)" % (len(sources) - 10))
                continue
            st = per[s]
            print("               %-11s %7d %9d %8d %9d %9d %8d"
                  % (s, st.opened, st.open, st.max_open, st.closed, st.failed, st.answered))
        if len(sources) > 12:
            mo = [per[s].max_open for s in sources]
            oe = [per[s].open for s in sources]
            print("               max open per address: %d min, %d max; open at the end: %d min,"
                  " %d max" % (min(mo), max(mo), min(oe), max(oe)))
    life_med = "%.1f" % statistics.median(lifetimes) if lifetimes else "n/a"
    print("RESULT conns=%d sources=%d open_end=%d max_open=%d opened=%d reopened=%d closed=%d "
          "failed=%d answered=%d life_p50_s=%s server_rss_mb=%s server_sockets=%s"
          % (a.conns, len(sources), open_end, max_open, sum(s.opened for s in per.values()),
             reopened, total_closed, sum(failed_how.values()), sum(answers.values()), life_med,
             "%.1f" % rss_end if rss_end is not None else "n/a",
             socks_end if socks_end is not None else "n/a"),
          flush=True)
    return 0


# ---- params -------------------------------------------------------------------------------


def read_answer(s, deadline):
    """Reads one answer from S until its end (Content-Length, chunked end, or EOF).
    Returns (status line or None, how it ended)."""
    buf = b""
    head_end = -1
    need = None
    chunked = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return status_of(buf) if buf else None, "timeout"
        s.settimeout(left)
        try:
            data = s.recv(65536)
        except socket.timeout:
            return status_of(buf) if buf else None, "timeout"
        except (ConnectionResetError, ConnectionAbortedError):
            return status_of(buf) if buf else None, "reset"
        except OSError as e:
            return status_of(buf) if buf else None, errno.errorcode.get(e.errno, "error")
        if not data:
            return status_of(buf) if buf else None, "closed" if not buf else "answered"
        buf += data
        if head_end < 0:
            head_end = buf.find(b"\r\n\r\n")
            if head_end < 0:
                if len(buf) > 65536:
                    return status_of(buf), "answered"
                continue
            head = buf[:head_end].decode("latin-1").lower()
            for line in head.split("\r\n")[1:]:
                k, _, v = line.partition(":")
                if k.strip() == "content-length" and v.strip().isdigit():
                    need = int(v.strip())
                elif k.strip() == "transfer-encoding" and "chunked" in v:
                    chunked = True
            if need is None and not chunked:
                need = 0
        body = len(buf) - head_end - 4
        if chunked and buf.endswith(b"0\r\n\r\n"):
            return status_of(buf), "answered"
        if need is not None and body >= need:
            return status_of(buf), "answered"


def run_params(a):
    q = "&".join("a=%d" % i for i in range(a.params))
    head = "GET /v2/calls?%s HTTP/1.1\r\nHost: x\r\n" % q
    plain = (head + "\r\n").encode()
    signed = (head + "Authorization: Basic a2V5OnNlY3JldA==\r\n\r\n").encode()
    # With "both", every other request carries credentials, so that some stop at the
    # credential check and the others reach the query.
    kinds = {"none": [(plain, "")], "basic": [(signed, "")],
             "both": [(plain, " (no credentials)"), (signed, " (credentials)")]}[a.auth]
    lock = threading.Lock()
    statuses = collections.Counter()
    unanswered = collections.Counter()
    state = {"next": 0, "done": 0}
    t0 = time.monotonic()
    end = t0 + a.seconds

    print("params: up to %d requests (%d parallel) for at most %gs, each a new connection with "
          "GET /v2/calls?a=0&a=1&...&a=%d (%d parameters, %d bytes)%s"
          % (a.count, a.parallel, a.seconds, a.params - 1, a.params, len(plain),
             {"none": "", "basic": ", with Basic credentials",
              "both": ", every other one with Basic credentials"}[a.auth]), flush=True)

    def one(req):
        dl = time.monotonic() + a.timeout
        try:
            s = socket.create_connection((a.host, a.port), timeout=a.timeout)
        except OSError as e:
            return None, "connect " + errno.errorcode.get(e.errno or 0, "failed")
        try:
            try:
                s.sendall(req)
            except socket.timeout:
                return None, "timeout on send"
            except OSError:
                # The server may answer, then close before reading it all.
                pass
            return read_answer(s, dl)
        finally:
            s.close()

    def worker():
        while True:
            with lock:
                if state["next"] >= a.count or time.monotonic() >= end:
                    return
                i = state["next"]
                state["next"] += 1
            req, tag = kinds[i % len(kinds)]
            st, how = one(req)
            with lock:
                state["done"] += 1
                if st is not None:
                    statuses[st + tag] += 1
                else:
                    unanswered[how + tag] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.parallel)]
    for t in threads:
        t.start()
    next_report = t0 + a.report
    while any(t.is_alive() for t in threads):
        threads[0].join(0.2) if threads[0].is_alive() else time.sleep(0.2)
        now = time.monotonic()
        if now >= next_report and any(t.is_alive() for t in threads):
            next_report += a.report
            with lock:
                done = state["done"]
                ans = sum(statuses.values())
            print("  t=%3.0fs  sent %6d  answered %6d  %s"
                  % (now - t0, done, ans, fmt_server(a.pid)), flush=True)
        if now > end + a.timeout + 5:
            break
    elapsed = time.monotonic() - t0
    done = state["done"]
    ans = sum(statuses.values())
    print("params: %d requests in %.1fs (%.0f/s); %d answered" % (done, elapsed,
          done / elapsed if elapsed > 0 else 0, ans))
    for s, n in statuses.most_common():
        print("  %6d x %s" % (n, s))
    for how, n in unanswered.most_common():
        print("  %6d x no answer: %s" % (n, how))
    print("RESULT sent=%d answered=%d seconds=%.1f statuses=%s unanswered=%s"
          % (done, ans, elapsed,
             ";".join("%s:%d" % (s.split(" ", 1)[-1].replace(" ", "_"), n)
                      for s, n in statuses.most_common()) or "none",
             ";".join("%s:%d" % (h.replace(" ", "_"), n) for h, n in unanswered.most_common())
             or "none"), flush=True)
    return 0


def main():
    p = argparse.ArgumentParser(description="raw-socket clients for bench/soak.sh")
    sub = p.add_subparsers(dest="mode", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--host", default="127.0.0.1")
    common.add_argument("--port", type=int, required=True)
    common.add_argument("--pid", type=int, default=0, help="the server's pid, for its RSS")
    common.add_argument("--report", type=float, default=5, help="seconds between reports")

    s = sub.add_parser("slow", parents=[common], help="connections that never finish a head")
    s.add_argument("--conns", type=int, default=5000)
    s.add_argument("--sources", default="",
                   help="source addresses: 127.0.0.2, 127.0.0.2-127.0.0.50, a list; "
                   "default: the one the system picks")
    s.add_argument("--interval", type=float, default=3, help="seconds between bytes")
    s.add_argument("--seconds", type=float, default=30, help="how long to hold them")
    s.add_argument("--reopen-after", type=float, default=-1,
                   help="seconds after which a closed connection is opened again (<0: never)")
    s.add_argument("--connect-timeout", type=float, default=10)
    s.add_argument("--max-connecting", type=int, default=512)

    q = sub.add_parser("params", parents=[common], help="requests with thousands of parameters")
    q.add_argument("--count", type=int, default=5000)
    q.add_argument("--seconds", type=float, default=60)
    q.add_argument("--params", type=int, default=2000)
    q.add_argument("--parallel", type=int, default=1)
    q.add_argument("--timeout", type=float, default=5, help="seconds per request")
    q.add_argument("--auth", choices=("none", "basic", "both"), default="none",
                   help="Basic credentials: never, always, or every other request")

    a = p.parse_args()
    if not ipaddress.ip_address(a.host).is_loopback:
        p.error("only loopback addresses are allowed: " + a.host)
    if a.mode == "slow":
        if a.conns < 1 or a.seconds <= 0 or a.interval <= 0:
            p.error("--conns, --seconds and --interval must be positive")
        if a.seconds > 3600:
            p.error("--seconds is at most 3600")
        try:
            parse_sources(a.sources)
        except ValueError as e:
            p.error(str(e))
        return run_slow(a)
    if a.count < 1 or a.seconds <= 0 or a.parallel < 1 or a.seconds > 3600:
        p.error("--count, --seconds (at most 3600) and --parallel must be positive")
    return run_params(a)


if __name__ == "__main__":
    sys.exit(main())
