-- soak/check.lua -- wrk script of the soak test (soak/run.sh).
--
-- Each wrk process presents one client certificate (or none) and expects
-- one decision for every response.  The expectation comes from the
-- environment:
--   SOAK_NAME      a label for the report (alice, bob, revoked, nocert)
--   SOAK_STATUS    the expected HTTP status (200, 403)
--   SOAK_DECISION  the expected X-Certauthz header, "$certauthz_result
--                  $certauthz_reason" (e.g. "allow allow", "deny revoked")
--   SOAK_CN        the expected X-Soak-CN header ($certauthz_cn), empty for
--                  no certificate (nginx then sends no header)
--   SOAK_DELAY_MS  think time before each request of a connection (keeps
--                  the rate moderate; default 2)
-- Any response whose status or headers differ is a WRONG decision.
--
-- run.sh starts wrk with -t N -c N: one connection per thread, so a thread
-- has at most one request in flight.  wrk calls request() again for the
-- same request when a write has to be retried or after a reconnect, so
-- "pending" is the time of the first request() since the last response:
-- the latency counts from there, and a request still pending when wrk
-- stops, for more than 5 s, is stuck (wrk itself never times out a
-- connection).  Failed requests are wrk's own socket error counts; the
-- times of the connection drops come from soak/wrk-close-log.c.
--
-- done() prints machine-readable lines, all starting with "soak ":
--   soak total NAME responses N wrong N outstanding N stuck N slow N
--        maxlat_ms N
--   soak status NAME STATUS COUNT
--   soak wrong NAME MS STATUS "DECISION" "CN"     (the first 20 only)
--   soak errors NAME connect N read N write N timeout N

local ffi = require("ffi")
ffi.cdef [[
    typedef struct { long tv_sec; long tv_usec; } soak_timeval;
    int gettimeofday(soak_timeval *tv, void *tz);
]]
local tv = ffi.new("soak_timeval")

local function now_ms()
    ffi.C.gettimeofday(tv, nil)
    return tonumber(tv.tv_sec) * 1000 + math.floor(tonumber(tv.tv_usec) / 1000)
end

local name     = os.getenv("SOAK_NAME") or "?"
local expect_s = tonumber(os.getenv("SOAK_STATUS") or "")
local expect_d = os.getenv("SOAK_DECISION") or ""
local expect_c = os.getenv("SOAK_CN") or ""
local delay_ms = tonumber(os.getenv("SOAK_DELAY_MS") or "2")

if expect_s == nil or expect_d == "" then
    io.stderr:write("check.lua: SOAK_STATUS and SOAK_DECISION must be set\n")
    os.exit(2)
end
if expect_c == "" then
    expect_c = nil      -- an empty add_header value sends no header
end

-- per thread (each thread has its own Lua state); read by done() through
-- thread:get()
responses, wrong, slow, maxlat = 0, 0, 0, 0
statuses = {}           -- status -> count
wrongs = {}             -- the first 20 wrong decisions, as strings
pending = false         -- generation time of the request in flight, or false

-- built in init(): wrk.init() sets the Host header just before it calls it
local req

function init(args)
    req = wrk.format("GET", wrk.path)
end

function delay()
    return delay_ms
end

function request()
    if not pending then
        pending = now_ms()
    end
    return req
end

function response(status, headers, body)
    local t = now_ms()
    if pending then
        local lat = t - pending
        if lat > maxlat then maxlat = lat end
        if lat > 1000 then slow = slow + 1 end
    end
    pending = false
    responses = responses + 1
    statuses[status] = (statuses[status] or 0) + 1

    local d = headers["X-Certauthz"]
    local cn = headers["X-Soak-CN"]
    if status ~= expect_s or d ~= expect_d or cn ~= expect_c then
        wrong = wrong + 1
        if #wrongs < 20 then
            wrongs[#wrongs + 1] = string.format('%d %d "%s" "%s"', t, status,
                tostring(d), tostring(cn))
        end
    end
end

-- main Lua state: remember the threads for done()
local threads = {}

function setup(thread)
    threads[#threads + 1] = thread
end

function done(summary, latency, requests)
    local tot = { responses = 0, wrong = 0,
                  outstanding = 0, stuck = 0, slow = 0, maxlat = 0 }
    local st = {}
    local end_ms = now_ms()
    local out = {}

    for _, th in ipairs(threads) do
        tot.responses = tot.responses + th:get("responses")
        tot.wrong = tot.wrong + th:get("wrong")
        tot.slow = tot.slow + th:get("slow")
        local m = th:get("maxlat")
        if m > tot.maxlat then tot.maxlat = m end

        for s, n in pairs(th:get("statuses")) do
            st[s] = (st[s] or 0) + n
        end
        for _, w in ipairs(th:get("wrongs")) do
            out[#out + 1] = "soak wrong " .. name .. " " .. w
        end
        -- a request still in flight when wrk stopped is normal; one in
        -- flight for more than 5 s is stuck
        local p = th:get("pending")
        if p then
            tot.outstanding = tot.outstanding + 1
            if end_ms - p > 5000 then
                tot.stuck = tot.stuck + 1
                out[#out + 1] = "soak stuck " .. name .. " " .. p
            end
        end
    end

    io.write(string.format("soak total %s responses %d wrong %d"
        .. " outstanding %d stuck %d slow %d maxlat_ms %d\n",
        name, tot.responses, tot.wrong, tot.outstanding,
        tot.stuck, tot.slow, tot.maxlat))
    for s, n in pairs(st) do
        io.write(string.format("soak status %s %d %d\n", name, s, n))
    end
    for _, l in ipairs(out) do
        io.write(l .. "\n")
    end
    local e = summary.errors
    io.write(string.format("soak errors %s connect %d read %d write %d timeout %d\n",
        name, e.connect, e.read, e.write, e.timeout))
end
