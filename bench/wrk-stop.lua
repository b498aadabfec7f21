-- wrk-stop.lua -- make wrk send exactly CERTAUTHZ_BENCH_REQUESTS requests
-- and exit (for the callgrind runs of bench/run.sh: wrk -t1 -c1, so one
-- request at a time, the next sent only after this callback has run).
local left = tonumber(os.getenv("CERTAUTHZ_BENCH_REQUESTS"))

function response(status, headers, body)
    if status ~= 200 then
        io.stderr:write("wrk-stop.lua: status " .. status .. "\n")
        os.exit(1)
    end

    left = left - 1
    if left <= 0 then
        os.exit(0)
    end
end
