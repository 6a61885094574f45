-- wrk.lua: the requests of make bench, one kind per wrk run, chosen by BENCH_KIND (bench/run sets
-- the environment). Authenticated kinds send "Authorization: Bearer $BENCH_TOKEN".
--   static, db           the ceiling programs: /ceiling/static, /ceiling/db/ID
--   get                  GET /messages/ID          ID at random from $BENCH_IDS (visible to bench)
--   stream1, stream50    GET /messages, GET /messages/page/50
--   get_v0, stream1_v0   get and stream1 in wire version 0 (X-Kinglet-API-Version: 0)
--   stream_asc           GET /messages?order=created_at.asc (the oldest first, API.md §12)
--   stream_total         GET /messages?total=true (the page and the capped count)
--   since                GET /messages/since/$BENCH_EPOCH
--   threads              GET /messages/threads
--   replies              GET /messages/$BENCH_THREAD/replies (the thread of 100 replies)
--   post                 POST /messages, a unique text mentioning two users u1..u$BENCH_USERS
--   post_base            post to the messages program built without the webhooks outbox
--                        (Host: no-outbox.bench, bench/lighttpd-ceiling.conf.in)
--   receiver             POST /ceiling/static with the webhook body in $BENCH_PAYLOAD (a file):
--                        the receiver kinglet-webhookd delivers to in make bench, alone
--   reply                POST /messages/ID/replies, ID at random from $BENCH_THREADS
--   login                POST /users/login as bench
--   mixed                every family in turn (the memory soak); each thread stops after
--                        $BENCH_STOP_AFTER responses
-- done() prints one line "BENCH key=value ..." that bench/run reads.

local kind = os.getenv("BENCH_KIND") or "static"
local base = "/api/v1"
local token = os.getenv("BENCH_TOKEN") or ""
local users = tonumber(os.getenv("BENCH_USERS") or "100")
local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "0")
local auth = { ["Authorization"] = "Bearer " .. token }
local auth_v0 = { ["Authorization"] = "Bearer " .. token, ["X-Kinglet-API-Version"] = "0" }
local json_auth = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local json_auth_base = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
	["Host"] = "no-outbox.bench" }
local counter, responses = 0, 0
thread_no = 0 -- set by setup() through thread:set, before init()

local function read_lines(name)
	local list = {}
	local path = os.getenv(name)
	if path then
		for line in io.lines(path) do
			list[#list + 1] = line
		end
	end
	return list
end

local ids = read_lines("BENCH_IDS")
local payload = table.concat(read_lines("BENCH_PAYLOAD"), "\n")
local threads = read_lines("BENCH_THREADS")

local function pick(list)
	return list[math.random(#list)]
end

-- A text no other request of the run has (thread, counter, clock), mentioning two users.
local function text(what)
	counter = counter + 1
	return string.format('{"message_text":"bench %s %d-%d-%d for @u%d @u%d"}', what, thread_no,
		counter, os.time(), math.random(users), math.random(users))
end

-- Each kind: method, path, headers, body (a body function makes the request dynamic too).
local kinds = {
	static = { "GET", function() return "/ceiling/static" end },
	db = { "GET", function() return "/ceiling/db/" .. pick(ids) end },
	get = { "GET", function() return base .. "/messages/" .. pick(ids) end, auth },
	get_v0 = { "GET", function() return base .. "/messages/" .. pick(ids) end, auth_v0 },
	stream1 = { "GET", base .. "/messages", auth },
	stream1_v0 = { "GET", base .. "/messages", auth_v0 },
	stream50 = { "GET", base .. "/messages/page/50", auth },
	stream_asc = { "GET", base .. "/messages?order=created_at.asc", auth },
	stream_total = { "GET", base .. "/messages?total=true", auth },
	since = { "GET", base .. "/messages/since/" .. (os.getenv("BENCH_EPOCH") or "0"), auth },
	threads = { "GET", base .. "/messages/threads", auth },
	replies = { "GET", base .. "/messages/" .. (os.getenv("BENCH_THREAD") or "1") .. "/replies",
		auth },
	post = { "POST", base .. "/messages", json_auth, function() return text("post") end },
	post_base = { "POST", base .. "/messages", json_auth_base, function() return text("post") end },
	receiver = { "POST", "/ceiling/static", { ["Content-Type"] = "application/json",
		["webhook-id"] = "evt_0123456789abcdefghijkl", ["webhook-timestamp"] = "1700000000",
		["webhook-signature"] = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=" },
		payload },
	reply = { "POST", function() return base .. "/messages/" .. pick(threads) .. "/replies" end,
		json_auth, function() return text("reply") end },
	login = { "POST", base .. "/users/login", { ["Content-Type"] = "application/json" },
		'{"user_name":"bench","password":"' .. (os.getenv("BENCH_PASSWORD") or "") .. '"}' },
	service = { "GET", base .. "/" },
	profile = { "GET", base .. "/users/bench", auth },
	lists = { "GET", base .. "/lists/requests", auth },
}

local function value(v)
	if type(v) == "function" then
		return v()
	end
	return v
end

local function make(k)
	local d = kinds[k]
	return wrk.format(d[1], value(d[2]), d[3] or {}, value(d[4]))
end

-- The soak's rotation: every family, reads mostly, a few writes, and the ceilings. Not since:
-- its count reads every message after EPOCH, and the soak's own posts would slow it down.
local mixed = { "get", "stream1", "threads", "stream1", "service", "get", "profile", "replies",
	"lists", "stream50", "get", "post", "reply", "db", "static" }
local turn = 0

local setups = 0
function setup(thread)
	setups = setups + 1
	thread:set("thread_no", setups)
end

function init(args)
	math.randomseed(os.time() + thread_no * 7919)
end

local d = kinds[kind] or {}
if kind ~= "mixed" and not kinds[kind] then
	error("unknown BENCH_KIND " .. kind)
elseif kind == "mixed" then
	function request()
		turn = turn % #mixed + 1
		return make(mixed[turn])
	end
elseif type(d[2]) == "function" or type(d[4]) == "function" then
	function request()
		return make(kind)
	end
else
	-- A fixed request: wrk formats it once and sends the same bytes every time.
	wrk.method, wrk.path, wrk.body = d[1], d[2], d[4]
	for name, v in pairs(d[3] or {}) do
		wrk.headers[name] = v
	end
end

-- The soak: each thread stops after stop_after responses and says so with a line in
-- $BENCH_STOP_FILE (wrk itself sleeps its whole duration: bench/run interrupts it).
if stop_after > 0 then
	function response(status, headers, body)
		responses = responses + 1
		if responses == stop_after then
			local f = io.open(os.getenv("BENCH_STOP_FILE"), "a")
			f:write("stopped\n")
			f:close()
			wrk.thread:stop()
		end
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d " ..
		"p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.0f\n",
		summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
		latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
		latency.mean))
end
