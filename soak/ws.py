#!/usr/bin/python3
"""soak/ws.py -- the WebSocket part of the soak (soak/run.sh starts it).

    ws.py run WORK PORT ECHO_PORT WSPKI END_MS
        Until END_MS (ms since the epoch): keeps WS_SESSIONS (20) WebSocket
        sessions open through nginx, wss://127.0.0.1:PORT/ws, which proxies
        them (Upgrade) to an echo server of ours on 127.0.0.1:ECHO_PORT
        ("ws.py echo ECHO_PORT", a child of this process).  Half of them
        present the certificate ws-revoked (WSPKI/ws-revoked.pem), which
        run.sh's CRL swaps revoke and restore in turn; the other half
        ws-ok, which no CRL revokes.  Each session sends a message every
        200 ms ("SID SEQ SENT_MS") and checks that each echo is the next
        one it sent.  A session that ends is reopened 0.3-1 s later; a
        refused one (403 while ws-revoked is revoked) is tried again every
        0.4-0.8 s; a ws-ok session is closed by us after 10-40 s, a
        ws-revoked one after 3-20 s (so that new ones keep opening at every
        phase: at a revocation, some ws-revoked sessions are young, on the
        current workers, most on old ones; and old workers can leave).
        It writes WORK/out/ws-log.txt, one line per thing that happened:
            open SID NAME START_MS OPEN_MS LOCAL_PORT   (the 101 came)
            refused SID NAME START_MS T STATUS          (the handshake's answer)
            fail SID NAME START_MS T WHAT               (no answer: reset, ...)
            owner SID PID                               (the nginx worker
                                                         that holds it)
            echo SID T SENT_MS SEQ                      (an echo came at T)
            bad SID T MESSAGE                           (an echo out of turn)
            end SID NAME T HOW CODE SENT ECHOES         (HOW: server = ended
                                                         by the other side,
                                                         helper = by us)
            atswap T SID OWNER TITLE                    (at each good CRL
                                                         swap of run.sh, the
                                                         live sessions'
                                                         workers: old ones
                                                         are "shutting down")

    ws.py echo PORT
        The echo server (websockets), until SIGTERM.

    ws.py report WORK REFRESH_MS TOLERANCE_MS
        After nginx stopped: the verdict, from ws-log.txt, run.sh's
        WORK/out/events.txt (the CRL swaps: which file was renamed into
        place when; worker kills) and nginx's logs/ws-access.log and
        logs/error.log.  Prints the report's lines, and "fail: WHY" lines
        for run.sh; every session at every revocation to
        WORK/out/ws-analysis.txt.

In force: the last GOOD CRL file renamed into place (a corrupt one leaves
the last good one in force); ws-revoked is revoked while that is a *-ws
file.  A revocation event is the rename of a revoking file while a
non-revoking one was in force (a restore, the other way round); the rename
of another file of the same state is a reissue.  L = REFRESH_MS + 1000 ms
(the contract: certauthz_live ends a revoked connection within
certauthz_crl_refresh + 1 s of the change).  For each revocation at R:
every ws-revoked session open at R (or accepted after R and before the
restore) must end, and a "survivor" is one that still gets an echo later
than R + L; one still open at R + L + TOLERANCE_MS with no echo since is
"not ended".  A state is certain from G = L + TOLERANCE_MS after its
rename: from then on a ws-revoked handshake must be refused with 403
(revoked) or accepted (restored); before, either is right.  A ws-ok session
must never be refused or ended by nginx: ends within 1.5 s of run.sh's
SIGKILL of the worker that held it are the kill's.
"""

import asyncio
import os
import random
import signal
import ssl
import statistics
import subprocess
import sys
import time

NAMES = ('ws-revoked', 'ws-ok')


def now_ms():
    return int(time.time() * 1000)


def slurp(path):
    try:
        with open(path, 'r', errors='replace') as f:
            return f.read()
    except OSError:
        return ''


def title(pid):
    t = slurp(f'/proc/{pid}/cmdline').replace('\0', '')
    return t.strip().replace(' ', '_') or 'gone'


# --- the echo server -----------------------------------------------------------

def echo(port):
    import websockets

    async def handler(ws, path=None):
        try:
            async for m in ws:
                await ws.send(m)
        except websockets.exceptions.ConnectionClosed:
            pass

    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(s, stop.set)
        async with websockets.serve(handler, '127.0.0.1', port,
                                    ping_interval=None, close_timeout=1):
            await stop.wait()

    asyncio.run(main())


# --- run ---------------------------------------------------------------------------

def run(work, port, echo_port, wspki, end_ms):
    import websockets

    n = int(os.environ.get('WS_SESSIONS') or 20)
    seed = int(os.environ.get('WS_SEED') or (int(time.time()) ^ os.getpid()))
    rnd = random.Random(seed)
    log = open(f'{work}/out/ws-log.txt', 'a', buffering=1)

    def w(*f):
        log.write(' '.join(str(x) for x in f) + '\n')

    print(f'ws: seed {seed}, {n - n // 2} ws-revoked and {n // 2} ws-ok sessions,'
          f' port {port}, echo server on {echo_port}', file=sys.stderr)

    echo_out = open(f'{work}/out/ws-echo.txt', 'a')
    server = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                               'echo', str(echo_port)],
                              stdin=subprocess.DEVNULL, stdout=echo_out,
                              stderr=subprocess.STDOUT)

    def ctx_of(name):
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH,
                                         cafile=f'{wspki}/ca.crt')
        ctx.check_hostname = False
        ctx.load_cert_chain(f'{wspki}/{name}.pem', f'{wspki}/{name}.key')
        return ctx

    ctxs = {name: ctx_of(name) for name in NAMES}
    uri = f'wss://127.0.0.1:{port}/ws'
    live = {}           # SID -> {'owner': PID or None}
    ids = [0]

    def find_owner(lport):
        """the nginx worker that holds the server side of LPORT's connection"""
        master = slurp(f'{work}/run/nginx.pid').strip()
        inode = None
        for line in slurp('/proc/net/tcp').splitlines()[1:]:
            f = line.split()
            if len(f) < 10:
                continue
            if (int(f[1].split(':')[1], 16) == port
                    and int(f[2].split(':')[1], 16) == lport and f[3] == '01'):
                inode = f[9]
                break
        if not inode or not master.isdigit():
            return None
        want = f'socket:[{inode}]'
        for p in os.listdir('/proc'):
            if not p.isdigit():
                continue
            st = slurp(f'/proc/{p}/stat')
            rest = st.rsplit(')', 1)[-1].split()
            if len(rest) < 2 or rest[1] != master:
                continue
            try:
                for fd in os.listdir(f'/proc/{p}/fd'):
                    try:
                        if os.readlink(f'/proc/{p}/fd/{fd}') == want:
                            return int(p)
                    except OSError:
                        pass
            except OSError:
                pass
        return None

    async def owner_of(sid, lport):
        for _ in range(5):
            o = await asyncio.to_thread(find_owner, lport)
            if o:
                if sid in live:
                    live[sid]['owner'] = o
                w('owner', sid, o)
                return
            await asyncio.sleep(0.05)

    async def watch_swaps(finish):
        """at each good CRL that run.sh renames into place: where the live
        sessions are"""
        path = f'{work}/out/events.txt'
        pos = 0
        buf = ''
        while not finish.is_set():
            try:
                with open(path) as f:
                    f.seek(pos)
                    data = f.read()
                    pos = f.tell()
            except OSError:
                data = ''
            buf += data
            while '\n' in buf:
                line, buf = buf.split('\n', 1)
                f = line.split()
                if len(f) >= 3 and f[1] == 'crl' and f[2].startswith('good'):
                    for sid, s in list(live.items()):
                        o = s['owner']
                        w('atswap', f[0], sid, o or '-',
                          title(o) if o else '-')
            try:
                await asyncio.wait_for(finish.wait(), 0.05)
            except asyncio.TimeoutError:
                pass

    async def session(ws, sid, until, finish):
        state = {'closing': False, 'sent': 0, 'echoes': 0}

        async def sender():
            seq = 0
            nxt = time.monotonic()
            while True:
                nxt += 0.2
                await asyncio.sleep(max(0.0, nxt - time.monotonic()))
                seq += 1
                try:
                    await ws.send(f'{sid} {seq} {now_ms()}')
                except websockets.exceptions.ConnectionClosed:
                    return
                state['sent'] = seq

        async def closer():
            left = None if until is None else max(0.0, (until - now_ms()) / 1000)
            try:
                await asyncio.wait_for(finish.wait(), left)
            except asyncio.TimeoutError:
                pass
            state['closing'] = True
            await ws.close()

        tasks = [asyncio.create_task(sender()), asyncio.create_task(closer())]
        expect = 1
        try:
            async for m in ws:
                t = now_ms()
                f = m.split() if isinstance(m, str) else []
                if len(f) != 3 or f[0] != str(sid) or f[1] != str(expect):
                    w('bad', sid, t, repr(m)[:60].replace(' ', '_'))
                    if len(f) == 3 and f[1].isdigit():
                        expect = int(f[1])
                else:
                    w('echo', sid, t, f[2], f[1])
                state['echoes'] += 1
                expect += 1
        except websockets.exceptions.ConnectionClosed:
            pass
        except Exception as e:      # noqa: anything else is an end too
            w('note', sid, now_ms(), type(e).__name__)
        t = now_ms()
        for k in tasks:
            k.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return t, ('helper' if state['closing'] else 'server'), \
            ws.close_code, state['sent'], state['echoes']

    async def slot(name, finish):
        await asyncio.sleep(rnd.uniform(0, 1))
        while not finish.is_set():
            ids[0] += 1
            sid = ids[0]
            start = now_ms()
            try:
                ws = await websockets.connect(
                    uri, ssl=ctxs[name], ping_interval=None, close_timeout=1,
                    open_timeout=5, max_size=2 ** 16)
            except websockets.exceptions.InvalidStatusCode as e:
                w('refused', sid, name, start, now_ms(), e.status_code)
                await pause(finish, 0.4, 0.8)
                continue
            except Exception as e:      # noqa: reset, timeout, refused ...
                what = (type(e).__name__ + ':' + str(e))[:80]
                w('fail', sid, name, start, now_ms(), what.replace(' ', '_') or '-')
                await pause(finish, 0.3, 1.0)
                continue
            opened = now_ms()
            try:
                lport = ws.transport.get_extra_info('sockname')[1]
            except Exception:           # noqa
                lport = '-'
            live[sid] = {'owner': None}
            w('open', sid, name, start, opened, lport)
            if lport != '-':
                asyncio.create_task(owner_of(sid, lport))
            until = opened + (rnd.randint(10000, 40000) if name == 'ws-ok'
                              else rnd.randint(3000, 20000))
            t, how, code, sent, echoes = await session(ws, sid, until, finish)
            live.pop(sid, None)
            w('end', sid, name, t, how, code if code is not None else '-',
              sent, echoes)
            await pause(finish, 0.3, 1.0)

    async def pause(finish, a, b):
        try:
            await asyncio.wait_for(finish.wait(), rnd.uniform(a, b))
        except asyncio.TimeoutError:
            pass

    async def main():
        loop = asyncio.get_running_loop()
        finish = asyncio.Event()
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(s, finish.set)

        # the echo server must be up
        for _ in range(100):
            try:
                _, wr = await asyncio.open_connection('127.0.0.1', echo_port)
                wr.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        else:
            raise SystemExit(f'ws: the echo server on {echo_port} did not start')

        names = ['ws-revoked'] * (n - n // 2) + ['ws-ok'] * (n // 2)
        tasks = [asyncio.create_task(slot(x, finish)) for x in names]
        tasks.append(asyncio.create_task(watch_swaps(finish)))
        try:
            await asyncio.wait_for(finish.wait(), max(0, (end_ms - now_ms()) / 1000))
        except asyncio.TimeoutError:
            finish.set()
        done, pending = await asyncio.wait(tasks, timeout=5)
        for k in pending:
            k.cancel()

    try:
        asyncio.run(main())
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


# --- report ------------------------------------------------------------------------

def report(work, refresh, tol):
    L = refresh + 1000
    G = L + tol
    out = f'{work}/out'
    fails = []
    det = open(f'{out}/ws-analysis.txt', 'w')

    # run.sh's events: the CRL files renamed into place, the kills
    t0 = None
    goods = []          # (ms, revokes ws-revoked?) of the good files, in order
    swaps = 0
    kills = []          # (ms, pid)
    for line in slurp(f'{out}/events.txt').splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        t = int(f[0])
        if f[1] == 'start':
            t0 = t
        elif f[1] in ('crl', 'crl0'):
            if f[1] == 'crl':
                swaps += 1
            if f[2].startswith('good'):
                goods.append((t, f[2].endswith('-ws')))
        elif f[1] == 'kill':
            kills.append((t, int(f[2])))

    def rel(t):
        return f'{(t - t0) / 1000:.3f} s' if t0 is not None and t is not None else str(t)

    flips = []          # (ms, revoked?): the changes of the state in force
    cur = False
    for t, r in goods:
        if r != cur:
            flips.append((t, r))
            cur = r
    revocations = [t for t, r in flips if r]
    restores = [t for t, r in flips if not r]
    reissues = len(goods) - len(flips)

    def state_at(t):
        """(revoked?, the flip's ms or None, certain?)"""
        last = None
        for f in flips:
            if f[0] > t:
                break
            last = f
        if last is None:
            return False, None, True
        return last[1], last[0], t >= last[0] + G

    def next_flip(t):
        for f in flips:
            if f[0] > t:
                return f[0]
        return None

    # our log
    ses = {}
    for line in slurp(f'{out}/ws-log.txt').splitlines():
        f = line.split()
        if not f:
            continue
        k = f[0]
        if k == 'open':
            ses[int(f[1])] = {'sid': int(f[1]), 'name': f[2], 'start': int(f[3]),
                              'open': int(f[4]), 'lport': f[5], 'kind': 'open',
                              'owner': None, 'end': None, 'how': None,
                              'code': None, 'echoes': [], 'bad': 0}
        elif k in ('refused', 'fail'):
            ses[int(f[1])] = {'sid': int(f[1]), 'name': f[2], 'start': int(f[3]),
                              't': int(f[4]), 'kind': k, 'what': f[5]}
        elif k == 'owner' and int(f[1]) in ses:
            ses[int(f[1])]['owner'] = int(f[2])
        elif k == 'echo' and int(f[1]) in ses:
            ses[int(f[1])]['echoes'].append(int(f[2]))
        elif k == 'bad' and int(f[1]) in ses:
            ses[int(f[1])]['bad'] += 1
        elif k == 'end' and int(f[1]) in ses:
            s = ses[int(f[1])]
            s['end'], s['how'], s['code'] = int(f[3]), f[4], f[5]
            s['sent'], s['n_echo'] = int(f[6]), int(f[7])
    at_swap = {}
    for line in slurp(f'{out}/ws-log.txt').splitlines():
        f = line.split()
        if f and f[0] == 'atswap':
            at_swap[(int(f[1]), int(f[2]))] = f[4]

    attempts = sorted(ses.values(), key=lambda s: s['sid'])
    sessions = [s for s in attempts if s['kind'] == 'open']
    end_of_run = max([s['end'] or 0 for s in sessions] + [now_ms()])

    def by_kill(s):
        """ended (or failed) within 1.5 s of a kill of its worker"""
        t = s['end'] if s['kind'] == 'open' else s['t']
        if s['kind'] == 'open' and s['how'] != 'server':
            return False
        for k, pid in kills:
            if k - 100 <= t <= k + 1500 and (s.get('owner') in (None, pid)):
                return True
        return False

    wrong = []          # what must never happen
    n = {}

    def count(key, by=1):
        n[key] = n.get(key, 0) + by

    # every revocation, and every ws-revoked session that lived at it
    lat = []            # the client's ConnectionClosed, ms after the rename
    survivors = []      # (sid, R, first late echo's ms after R)
    not_ended = []
    explained = set()
    for R in revocations:
        N = next_flip(R) or end_of_run + 1
        det.write(f'revocation at {R} ({rel(R)}), restored at {N} ({rel(N)})\n')
        for s in sessions:
            if s['name'] != 'ws-revoked':
                continue
            end = s['end'] if s['end'] is not None else end_of_run
            if not (s['open'] < N and end > R):
                continue
            count('at a revocation')
            late = [e for e in s['echoes'] if R + L < e < N]
            where = at_swap.get((R, s['sid']), '?')
            if s['open'] > R:
                where = 'opened after the rename'
            if late:
                survivors.append((s['sid'], R, late[0] - R))
                outcome = (f'SURVIVOR: {len(late)} echoes later than R + {L} ms,'
                           f' the first {late[0] - R} ms and the last'
                           f' {late[-1] - R} ms after R; {s["how"] or "open"}'
                           f' at {end - R} ms')
            elif s['how'] == 'server' and by_kill(s) and end <= R + G:
                outcome = f'ended by a kill of its worker, {end - R} ms after R'
                count('killed at a revocation')
                explained.add(s['sid'])
            elif s['how'] == 'server' and end <= R + G:
                lat.append(end - R)
                explained.add(s['sid'])
                if 'shutting' in where:
                    count('ended on an old worker')
                elif where.startswith('nginx'):
                    count('ended on a current worker')
                elif where.startswith('opened'):
                    count('ended, opened after the rename')
                outcome = f'ended {end - R} ms after R (code {s["code"]})'
                if end > R + L:
                    outcome += f' LATE (after R + {L} ms, within the tolerance)'
                    count('ended late')
            elif s['how'] == 'helper' and end <= R + L:
                outcome = f'closed by us {end - R} ms after R'
                count('closed by us at a revocation')
                explained.add(s['sid'])
            else:
                not_ended.append((s['sid'], R, end - R))
                outcome = (f'NOT ENDED: {s["how"] or "open"} {end - R} ms after R,'
                           f' no echo after R + {L} ms')
            det.write(f'  session {s["sid"]} opened {s["open"]} ({rel(s["open"])}),'
                      f' worker {s["owner"]} ({where}): {outcome}\n')

    # every handshake of ws-revoked, against the state in force
    first_accept = []   # ms from a restore to the first ws-revoked accepted
    for F in restores:
        acc = [s['open'] for s in sessions
               if s['name'] == 'ws-revoked' and s['start'] >= F]
        nf = next_flip(F)
        if acc and (nf is None or min(acc) < nf):
            first_accept.append(min(acc) - F)
    for s in attempts:
        rev, since, certain = state_at(s['start'])
        name = s['name']
        if s['kind'] == 'refused':
            count(f'{name} refused')
            if s['what'] != '403':
                wrong.append(f'attempt {s["sid"]} ({name}) answered {s["what"]}')
            elif name == 'ws-ok':
                wrong.append(f'attempt {s["sid"]} (ws-ok) refused at {rel(s["start"])}')
            elif certain and not rev:
                wrong.append(f'attempt {s["sid"]} (ws-revoked) refused at'
                             f' {rel(s["start"])}, restored since {rel(since)}')
            elif rev:
                count('ws-revoked refused while revoked')
            else:
                count('ws-revoked refused just after a restore')
        elif s['kind'] == 'fail':
            count(f'{name} failed')
            if by_kill(s):
                count('failed at a kill')
            else:
                wrong.append(f'attempt {s["sid"]} ({name}) at {rel(s["start"])}'
                             f' failed: {s["what"]}')
        else:
            count(f'{name} accepted')
            if name == 'ws-revoked':
                if certain and rev:
                    wrong.append(f'session {s["sid"]} (ws-revoked) accepted at'
                                 f' {rel(s["start"])}, revoked since {rel(since)}')
                elif rev:
                    count('ws-revoked accepted just after a revocation')
                elif since is not None:
                    count('ws-revoked accepted after a restore')
                else:
                    count('ws-revoked accepted before the first revocation')

    # every end by nginx: a revocation's, a kill's, or wrong
    for s in sessions:
        if s['bad']:
            wrong.append(f'session {s["sid"]} ({s["name"]}): {s["bad"]} echoes out of turn')
        if s['how'] != 'server':
            continue
        if by_kill(s):
            count(f'{s["name"]} ended by a kill')
            continue
        if s['sid'] in explained:
            continue
        wrong.append(f'session {s["sid"]} ({s["name"]}, worker {s["owner"]}) opened at'
                     f' {rel(s["open"])}, ended by nginx at {rel(s["end"])}'
                     f' (code {s["code"]}) without a revocation')
    for s in sessions:
        if s['end'] is None:
            wrong.append(f'session {s["sid"]} ({s["name"]}): no end in the log')

    # nginx's view: the access log of /ws
    nginx_lat = []
    acc = {'live': 0, '403': 0, 'other': 0}
    for line in slurp(f'{work}/logs/ws-access.log').splitlines():
        f = line.split()
        if len(f) < 8:
            continue
        t = int(float(f[0]) * 1000 + 0.5)
        status, cn, res, reason = f[3], f[5].strip('"'), f[6], f[7]
        if cn == 'ws-ok' and (res != 'allow' or status != '101'):
            wrong.append(f'nginx: ws-ok {status} {res} {reason} at {rel(t)}')
        elif cn == 'ws-revoked' and status == '101' and res == 'deny':
            acc['live'] += 1
            rs = [R for R in revocations if R <= t]
            if reason != 'revoked' or not rs:
                wrong.append(f'nginx: ws-revoked closed live ({reason}) at {rel(t)}'
                             ' without a revocation')
            else:
                nginx_lat.append(t - rs[-1])
        elif cn == 'ws-revoked' and status == '403':
            acc['403'] += 1
        else:
            acc['other'] += 1

    # the error log: ws-ok must never be denied
    err = slurp(f'{work}/logs/error.log')
    ok_denied = 0
    closed_live = 0
    refused_log = 0
    for line in err.splitlines():
        if 'access forbidden' not in line:
            continue
        if 'subject: "CN=ws-ok,' in line:
            ok_denied += 1
        elif 'subject: "CN=ws-revoked,' in line:
            if 'connection closed, reason: revoked' in line and 'location: "/ws"' in line:
                closed_live += 1
            elif 'access forbidden, reason: revoked' in line:
                refused_log += 1
    if ok_denied:
        wrong.append(f'{ok_denied} denials of ws-ok in the error log')

    det.write('\nwrong:\n' + ''.join(f'  {x}\n' for x in wrong))
    det.close()

    def med(v):
        return int(statistics.median(v)) if v else 0

    opened = len(sessions)
    print(f'websocket sessions:      {opened} opened (ws-revoked {n.get("ws-revoked accepted", 0)},'
          f' ws-ok {n.get("ws-ok accepted", 0)}; {len(attempts)} handshakes: ws-revoked'
          f' refused {n.get("ws-revoked refused", 0)}, failed {n.get("ws-revoked failed", 0)};'
          f' ws-ok refused {n.get("ws-ok refused", 0)}, failed {n.get("ws-ok failed", 0)}),'
          f' {sum(len(s["echoes"]) for s in sessions)} echoes')
    print(f'revocation events:       {len(revocations)} (good CRLs in force: {len(goods)}'
          f' of {swaps} swaps; ws-revoked revoked {len(revocations)} times, restored'
          f' {len(restores)} times, {reissues} reissues of the same state)')
    print(f'sessions at a revocation: {n.get("at a revocation", 0)}: ended by certauthz'
          f' {len(lat)} ({n.get("ended on an old worker", 0)} on an old worker at the rename,'
          f' {n.get("ended on a current worker", 0)} on a current one,'
          f' {n.get("ended, opened after the rename", 0)} opened after it),'
          f' by a kill {n.get("killed at a revocation", 0)}, closed by us first'
          f' {n.get("closed by us at a revocation", 0)}')
    print(f'end after the rename:    max {max(lat) if lat else 0} ms, median {med(lat)} ms'
          f' (the client\'s ConnectionClosed); within refresh + 1 s = {L} ms:'
          f' {sum(1 for x in lat if x <= L)} of {len(lat)}; nginx\'s close (access log):'
          f' max {max(nginx_lat) if nginx_lat else 0} ms, median {med(nginx_lat)} ms')
    print(f'survivors:               {len(set(x[0] for x in survivors))} (an echo later'
          f' than {L} ms after the revoking rename); not ended within {G} ms: {len(not_ended)}')
    for sid, R, d in survivors[:10]:
        print(f'  session {sid}: revoked at {rel(R)}, echo {d} ms after')
    for sid, R, d in not_ended[:10]:
        print(f'  session {sid}: revoked at {rel(R)}, still open or ended {d} ms after')
    print(f'reconnects (ws-revoked): refused with 403 while revoked'
          f' {n.get("ws-revoked refused while revoked", 0)}, accepted while restored'
          f' {n.get("ws-revoked accepted after a restore", 0)} (the first after each'
          f' restore: max {max(first_accept) if first_accept else 0} ms, median'
          f' {med(first_accept)} ms after the rename); within {G} ms of a flip:'
          f' accepted {n.get("ws-revoked accepted just after a revocation", 0)},'
          f' refused {n.get("ws-revoked refused just after a restore", 0)}')
    print(f'wrong:                   {len(wrong)} (ws-ok sessions ended by nginx other'
          f' than by a kill, refusals of ws-ok, wrong handshakes of ws-revoked, ends'
          f' without a revocation, echoes out of turn, denials of ws-ok in the logs)')
    for x in wrong[:10]:
        print(f'  {x}')
    print(f'  (ended by a kill of their worker: ws-ok {n.get("ws-ok ended by a kill", 0)},'
          f' ws-revoked {n.get("ws-revoked ended by a kill", 0)}; handshakes failed at a'
          f' kill: {n.get("failed at a kill", 0)}; error log: ws-revoked closed live'
          f' {closed_live}, refused {refused_log}; access log: closed live {acc["live"]},'
          f' 403 {acc["403"]}, other {acc["other"]})')

    if survivors:
        fails.append(f'{len(set(x[0] for x in survivors))} WebSocket sessions survived'
                     ' their revocation')
    if not_ended:
        fails.append(f'{len(not_ended)} times a revoked WebSocket session was not ended'
                     f' within {G} ms')
    if wrong:
        fails.append(f'{len(wrong)} wrong WebSocket ends or decisions'
                     f' (see {out}/ws-analysis.txt)')
    if not revocations:
        fails.append('no revocation of ws-revoked (the WebSocket part proved nothing)')
    if not lat:
        fails.append('no WebSocket session was ended by a revocation')
    if not n.get('ws-ok accepted') or not n.get('ws-revoked accepted'):
        fails.append('the WebSocket part opened no sessions of one of its certificates')
    if restores and not n.get('ws-revoked accepted after a restore'):
        fails.append('ws-revoked was never accepted again after a restore')
    for x in fails:
        print(f'fail: {x}')
    return 1 if fails else 0


def main(argv):
    mode = argv[1] if len(argv) > 1 else ''
    if mode == 'run' and len(argv) == 7:
        run(argv[2], int(argv[3]), int(argv[4]), argv[5], int(argv[6]))
        return 0
    if mode == 'echo' and len(argv) == 3:
        echo(int(argv[2]))
        return 0
    if mode == 'report' and len(argv) == 5:
        return report(argv[2], int(argv[3]), int(argv[4]))
    print(f'usage: {argv[0]} run WORK PORT ECHO_PORT WSPKI END_MS | echo PORT'
          ' | report WORK REFRESH_MS TOLERANCE_MS', file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
