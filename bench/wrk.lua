-- wrk.lua - the wrk script of bench/run.sh.
--
-- With no script arguments every request is the URL given to wrk, sent as a static request.
-- With one argument, a file of request paths (one per line, e.g. every page of a cursor walk),
-- the requests cycle through those paths in order; each wrk thread starts at the first one.
-- With the argument "POST:FILE", every request is a POST of FILE's bytes as a JSON body.
--
-- At the end it prints one line that bench/run.sh parses, with latencies in microseconds:
--   BENCH requests=N duration_us=N rps=X p50_us=N p99_us=N non2xx=N errors=N bytes=N

local requests = {}
local next_request = 1

function init(args)
	local file = args[1]
	if file == nil then
		return
	end
	if file:sub(1, 5) == "POST:" then
		local f = assert(io.open(file:sub(6), "rb"))
		wrk.method = "POST"
		wrk.body = f:read("*a")
		wrk.headers["Content-Type"] = "application/json"
		f:close()
		return
	end
	local f = assert(io.open(file, "r"))
	for line in f:lines() do
		if line ~= "" then
			requests[#requests + 1] = wrk.format("GET", line)
		end
	end
	f:close()
	assert(#requests > 0, "no request paths in " .. file)
	-- Defined here so that wrk keeps its faster static request when there is no file.
	request = function()
		local r = requests[next_request]
		next_request = next_request % #requests + 1
		return r
	end
end

function done(summary, latency, _)
	local e = summary.errors
	local secs = summary.duration / 1e6
	io.write(string.format(
		"BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d errors=%d bytes=%d\n",
		summary.requests, summary.duration, summary.requests / secs,
		latency:percentile(50), latency:percentile(99), e.status,
		e.connect + e.read + e.write + e.timeout, summary.bytes))
end
