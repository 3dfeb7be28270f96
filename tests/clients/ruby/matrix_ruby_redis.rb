# The client-matrix checks (tests/clients/README.md) run with ruby-redis and its defaults.
#
# Usage: matrix_ruby_redis.rb PORT. Prints one result line; exits non-zero on the first failure.
require "redis"

BIG_LEN = 1 << 20

# The same 1 MB pattern every client script builds (see matrix_redis_py.py).
def big_value
  Array.new(BIG_LEN) { |i| 97 + (i * 7 + (i >> 10)) % 26 }.pack("C*")
end

def check(cond, what)
  raise what unless cond
end

def strings(c)
  check(c.set("s:k", "v1") == "OK", "SET")
  check(c.get("s:k") == "v1", "GET")
  check(c.set("s:n", "41") == "OK" && c.incr("s:n") == 42, "INCR")
  check(c.mset("s:a", "1", "s:b", "2") == "OK", "MSET")
  check(c.mget("s:a", "s:b", "s:missing") == ["1", "2", nil], "MGET")
  check(c.append("s:k", "23") == 4 && c.get("s:k") == "v123", "APPEND")
  check(c.getrange("s:k", 1, 2) == "12", "GETRANGE")
end

def keys(c)
  check(c.call("EXISTS", "s:k", "s:a", "nokey") == 2, "EXISTS")
  check(c.exists?("s:k") && !c.exists?("nokey"), "EXISTS?")
  check(c.expire("s:k", 100) == true && (90..100).cover?(c.ttl("s:k")), "EXPIRE/TTL")
  check(c.ttl("s:a") == -1 && c.ttl("nokey") == -2, "TTL without expiry / missing")
  check(c.type("s:a") == "string" && c.type("nokey") == "none", "TYPE")
  check(c.rename("s:a", "s:c") == "OK" && c.get("s:c") == "1" && !c.exists?("s:a"), "RENAME")
  check(c.del("s:b", "s:c", "nokey") == 2, "DEL")
end

def pipeline(c)
  replies = c.pipelined do |p|
    50.times { |i| p.set("p:#{i}", "v#{i}") }
    50.times { |i| p.get("p:#{i}") }
  end
  check(replies.size == 100, "pipeline reply count #{replies.size}")
  check(replies[0, 50] == ["OK"] * 50, "pipeline SET replies")
  check(replies[50, 50] == Array.new(50) { |i| "v#{i}" }, "pipeline GET replies")
end

def scan(c)
  c.pipelined do |p|
    500.times { |i| p.set("scan:#{i}", i.to_s) }
    50.times { |i| p.set("other:#{i}", i.to_s) }
  end
  want = Array.new(500) { |i| "scan:#{i}" }.sort
  seen = []
  cursor = "0"
  loop do
    cursor, batch = c.scan(cursor, match: "scan:*", count: 50)
    seen.concat(batch)
    break if cursor == "0"
  end
  check(seen.size == seen.uniq.size, "SCAN returned a key twice")
  check(seen.sort == want, "SCAN MATCH: #{seen.uniq.size} keys seen, #{want.size} set")
end

def errors(c)
  c.set("e:text", "abc")
  begin
    c.incr("e:text")
    raise "INCR on a non-integer did not raise Redis::CommandError"
  rescue Redis::CommandError => e
    check(e.message.include?("not an integer"), "INCR error text #{e.message.inspect}")
  end
  check(c.ping == "PONG", "connection usable after an error reply")
end

def big(c)
  v = big_value
  check(c.set("big", v) == "OK", "SET 1 MB")
  check(c.strlen("big") == BIG_LEN, "STRLEN 1 MB")
  check(c.get("big").b == v, "GET 1 MB")
end

c = Redis.new(port: Integer(ARGV.fetch(0)))
[:strings, :keys, :pipeline, :scan, :errors, :big].each { |step| send(step, c) }
puts "ruby-redis #{Redis::VERSION}: ok"
