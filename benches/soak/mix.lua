-- wrk script of the soak: a mix of signed-in pages, failed sign-ins and refused CSRF posts,
-- counting answers by status class per thread (summed in done()).
-- Arguments: signed-in cookie, anonymous cookie, anonymous CSRF token, project id, simulation id.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local signed, anon, token, pid, sid = args[1], args[2], args[3], args[4], args[5]
  local form = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Origin"] = wrk.scheme .. "://" .. wrk.host .. ":" .. wrk.port }
  local function with(cookie, extra)
    local h = { ["Cookie"] = cookie }
    for k, v in pairs(extra or {}) do h[k] = v end
    return h
  end
  requests = {
    wrk.format("GET", "/projects", with(signed)),
    wrk.format("GET", "/projects/" .. pid .. "/editor", with(signed)),
    wrk.format("GET", "/simulations/" .. sid, with(signed)),
    wrk.format("GET", "/", with(signed)),
    -- a failed sign-in (an unknown login; the address is throttled after a while: 429)
    wrk.format("POST", "/login", with(anon, form), "login=nobody%40example.com&password=wrong+password+soak&csrf_token=" .. token),
    -- a refused CSRF post of a signed-in user (a wrong token)
    wrk.format("POST", "/account/profile", with(signed, form), "name=Soak&timezone=UTC&csrf_token=wrong"),
  }
  -- Optional sixth argument: only the requests whose numbers it lists ("1,2,3,4": pages only).
  if args[6] and args[6] ~= "" then
    local chosen = {}
    for n in string.gmatch(args[6], "%d+") do table.insert(chosen, requests[tonumber(n)]) end
    requests = chosen
  end
  i = 0
  s2, s3, s4, s5, other = 0, 0, 0, 0, 0
end

function request()
  i = i % #requests + 1
  return requests[i]
end

function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1
  elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1
  elseif status >= 200 then s2 = s2 + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t = { s2 = 0, s3 = 0, s4 = 0, s5 = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
  end
  io.write(string.format("STATUS 2xx=%d 3xx=%d 4xx=%d 5xx=%d other=%d errors=%d\n",
    t.s2, t.s3, t.s4, t.s5, t.other,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
