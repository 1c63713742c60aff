-- wrk script for bench/ingest: POST a realistic Clockify NEW_TIME_ENTRY webhook (~1.5 KB JSON,
-- the same body as ../shared/peers/wrk/ingest_wrk.lua) with `clockify-webhook-event-type` and a
-- valid `clockify-signature`, but with the body's "id" replaced on every request by a unique
-- 24-digit value (run tag, thread number, counter), so that the server's de-duplication of
-- byte-identical bodies never shortcuts a request: every 2xx is a row committed.
--
-- Usage: wrk -t1 -c50 -d15s --timeout 30s --latency -s ingest_wrk.lua http://127.0.0.1:PORT/webhooks/clockify/NEW_TIME_ENTRY
-- Env:
--   SIGNATURE     the clockify-signature token (e.g. `uwh dev token --kind webhook ...`)
--   EVENT_TYPE    the event header (default NEW_TIME_ENTRY)
--   WEBHOOK_PATH  overrides the request path (default: the path of the URL)
--   RUN_TAG       a number (0..999999) that differs between wrk runs against the same database,
--                 so that two runs never send the same body (default: derived from the clock)
--   RATE          paced mode: total requests per second over all connections (default: flat out).
--                 Requests are handed out on a fixed schedule of one every 1/RATE s; wrk's
--                 delay() hook holds each connection until the next slot (1 ms granularity, wrk's
--                 timer). A connection that is still waiting for its answer does not send, so
--                 use enough connections (RATE x latency << connections). Latency is measured
--                 by wrk from the actual send, so it is not corrected for coordinated omission;
--                 the achieved rate is printed and should equal RATE.
--   WRK_THREADS   the -t value when pacing with more than one thread (default 1)
-- Output: wrk's report, then one line
--   WRK_JSON {"requests":N,"duration_us":N,"bytes":N,"rps":X,"p50_us":N,"p90_us":N,"p99_us":N,
--             "max_us":N,"mean_us":X,"err_connect":N,"err_read":N,"err_write":N,"err_timeout":N,
--             "non2xx3xx":N}
-- (the format of ../shared/peers/wrk/ingest_wrk.lua).

local body = [[{"id":"6745f0c2a1b2c3d4e5f60718","description":"Sprint 42 - webhook ingestion: review PR #1287 and fix retry backoff","userId":"5f1a2b3c4d5e6f7a8b9c0d1e","billable":true,"projectId":"64b0c1d2e3f4a5b6c7d8e9f0","taskId":"64c1d2e3f4a5b6c7d8e9f0a1","workspaceId":"64a687e29ae1f428e7ebe303","tagIds":["64d2e3f4a5b6c7d8e9f0a1b2","64d2e3f4a5b6c7d8e9f0a1b3"],"timeInterval":{"start":"2024-11-26T09:00:00Z","end":"2024-11-26T10:30:00Z","duration":"PT1H30M"},"hourlyRate":{"amount":7500,"currency":"USD"},"costRate":{"amount":4200,"currency":"USD"},"isLocked":false,"type":"REGULAR","kioskId":null,"currentlyRunning":false,"customFieldValues":[{"customFieldId":"64e3f4a5b6c7d8e9f0a1b2c3","timeEntryId":"6745f0c2a1b2c3d4e5f60718","value":"INV-2024-11","name":"Invoice ref","type":"TXT"}],"project":{"id":"64b0c1d2e3f4a5b6c7d8e9f0","name":"Integrations Platform","clientId":"64f4a5b6c7d8e9f0a1b2c3d4","clientName":"Acme Manufacturing GmbH","workspaceId":"64a687e29ae1f428e7ebe303","billable":true,"color":"#03A9F4","archived":false,"duration":"PT312H45M","note":"Q4 retainer","public":true,"template":false},"task":{"id":"64c1d2e3f4a5b6c7d8e9f0a1","name":"Webhook pipeline hardening","projectId":"64b0c1d2e3f4a5b6c7d8e9f0","status":"ACTIVE","estimate":"PT40H","billable":true},"user":{"id":"5f1a2b3c4d5e6f7a8b9c0d1e","name":"Sample User","email":"sample.user@example.com","status":"ACTIVE"},"tags":[{"id":"64d2e3f4a5b6c7d8e9f0a1b2","name":"backend","workspaceId":"64a687e29ae1f428e7ebe303","archived":false},{"id":"64d2e3f4a5b6c7d8e9f0a1b3","name":"billable-review","workspaceId":"64a687e29ae1f428e7ebe303","archived":false}]}]]

local ORIGINAL_ID = "6745f0c2a1b2c3d4e5f60718"
local PLACEHOLDER = "@@@@@@@@@@@@@@@@@@@@@@@@" -- 24 characters, like the id it stands for

local function env_number(name, default)
  local v = os.getenv(name)
  if v == nil or #v == 0 then return default end
  return assert(tonumber(v), name .. " must be a number")
end

-- Only the top-level "id" (the first occurrence) varies; timeEntryId keeps the original value.
local s, e = string.find(body, ORIGINAL_ID, 1, true)
local templated_body = string.sub(body, 1, s - 1) .. PLACEHOLDER .. string.sub(body, e + 1)

wrk.method = "POST"
wrk.body = templated_body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["clockify-webhook-event-type"] = os.getenv("EVENT_TYPE") or "NEW_TIME_ENTRY"
wrk.headers["clockify-signature"] = os.getenv("SIGNATURE") or "missing-SIGNATURE"
wrk.headers["User-Agent"] = "Clockify-Webhook/1.0"
local p = os.getenv("WEBHOOK_PATH")
if p and #p > 0 then wrk.path = p end

-- main state: number the threads
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end

-- thread state
local run_tag = env_number("RUN_TAG", (os.time() * 7 + math.floor(math.random() * 1000)) % 1000000)
local pre, post            -- the request up to the id, and after it
local counter = 0

function init(args)
  local req = wrk.format()  -- request line, headers (Host, Content-Length), body
  local a, b = string.find(req, PLACEHOLDER, 1, true)
  pre, post = string.sub(req, 1, a - 1), string.sub(req, b + 1)
  io.stderr:write(string.format("ingest_wrk.lua: thread %d, run tag %d, body %d bytes, signature %d bytes%s\n",
    tid or 1, run_tag, #templated_body, #wrk.headers["clockify-signature"],
    (env_number("RATE", 0) > 0) and string.format(", paced at %s req/s", os.getenv("RATE")) or ""))
end

function request()
  counter = counter + 1
  return pre .. string.format("%06d%02d%016d", run_tag, (tid or 1) % 100, counter) .. post
end

-- Paced mode -------------------------------------------------------------------------------
local rate = env_number("RATE", 0)
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } uwh_timespec;
    int clock_gettime(int clk_id, uwh_timespec *tp);
  ]]
  local ts = ffi.new("uwh_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval_ms = 1000 / (rate / env_number("WRK_THREADS", 1)) -- this thread's share
  local next_slot = nil

  -- Called when a connection has its answer and is about to send the next request: give it the
  -- next free slot of the schedule. If the schedule fell behind by more than 100 ms (the server
  -- could not keep up), it restarts from now instead of bursting to catch up.
  function delay()
    local now = now_ms()
    if next_slot == nil or next_slot < now - 100 then next_slot = now end
    local wait = next_slot - now
    next_slot = next_slot + interval_ms
    return math.floor(wait)
  end
end

-- One machine-readable line at the end (latency in microseconds from wrk's histogram).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_JSON {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d,\"rps\":%.1f," ..
    "\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"mean_us\":%.1f," ..
    "\"err_connect\":%d,\"err_read\":%d,\"err_write\":%d,\"err_timeout\":%d,\"non2xx3xx\":%d}\n",
    summary.requests, summary.duration, summary.bytes, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.timeout, e.status))
end
