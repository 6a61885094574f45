-- apache-kinglet-body.lua: mod_lua hooks that turn mod_fcgid's 500 for a body it could not read into a 400 or 413.
--
-- mod_fcgid 2.3.9 reads the whole request body before it starts a program, and answers any failure
-- to read it with 500 -- also when the client sent less than it announced and half-closed the
-- connection, which is the client's mistake (API.md §2: never a 5xx for a client error). Nothing
-- in Apache's configuration tells that 500 from the ones that are the server's. So
-- conf/apache-kinglet.conf runs body_read as an input filter of the programs' requests, which notes
-- in the request's environment that the body came to its end; the ErrorDocument for 500 is a static
-- page served by server_error, which answers the 400 page instead when the
-- request announced a body that never came to its end (413 when it was too long for mod_fcgid).

-- FcgidMaxRequestLen in conf/apache-kinglet.conf: mod_fcgid stops reading a body (a chunked one:
-- a Content-Length over it is refused before) once it has more, with the same 500.
local fcgid_max_request_len = 1048576

-- Input filter: passes every bucket on unchanged, counting the bytes; once the last one has
-- passed, the body was whole.
function body_read(r)
    local bytes = 0
    coroutine.yield()
    while bucket ~= nil do
        bytes = bytes + #bucket
        r.subprocess_env["KINGLET_BODY_BYTES"] = bytes
        coroutine.yield(bucket)
    end
    r.subprocess_env["KINGLET_BODY_READ"] = "1"
end

-- Handler of the 500 page's request (an internal redirect: the original request's environment
-- comes with the REDIRECT_ prefix, its headers unchanged; r.filename is the 500 page).
function server_error(r)
    local length = r.headers_in["Content-Length"]
    local announced = (length ~= nil and length ~= "0") or r.headers_in["Transfer-Encoding"] ~= nil
    local status = 500
    if announced and r.subprocess_env["REDIRECT_KINGLET_BODY_READ"] == nil then
        local bytes = tonumber(r.subprocess_env["REDIRECT_KINGLET_BODY_BYTES"]) or 0
        status = bytes > fcgid_max_request_len and 413 or 400
    end
    r.status = status
    r.content_type = "application/json; charset=utf-8"
    r:sendfile((string.gsub(r.filename, "500%.html$", status .. ".html")))
    return apache2.OK
end
