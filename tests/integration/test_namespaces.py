"""Namespaces (tenants): Kvrocks's NAMESPACE commands and AUTH <token>, isolation of every key
route, admin-only commands refused to tenants, data quotas, and persistence across restarts."""
import redis

from helpers import cmd_error, raw

ADMIN_ONLY = "admin permission required to perform the command"


def tenant(s, token):
    return s.client(password=token, decode_responses=True)


def test_namespace_commands_and_errors(server_factory):
    s = server_factory(extra_args=["--requirepass", "root"])
    a = s.client(password="root", decode_responses=True)
    assert raw(a, "NAMESPACE", "ADD", "ns1", "t1") == "OK"
    assert cmd_error(a, "NAMESPACE", "ADD", "ns1", "t9") == "the namespace already exists"
    assert cmd_error(a, "NAMESPACE", "ADD", "ns2", "t1") == "the token already exists"
    assert cmd_error(a, "NAMESPACE", "ADD", "ns2", "root") == (
        "the token is duplicated with requirepass or masterauth")
    assert cmd_error(a, "NAMESPACE", "ADD", "__namespace", "x").startswith("forbidden")
    assert cmd_error(a, "NAMESPACE", "SET", "nope", "x") == "the namespace was not found"
    assert cmd_error(a, "NAMESPACE", "DEL", "nope") == "the namespace was not found"
    assert raw(a, "NAMESPACE", "GET", "ns1") == "t1"
    assert raw(a, "NAMESPACE", "GET", "nope") is None
    assert raw(a, "NAMESPACE", "SET", "ns1", "t2") == "OK"
    assert raw(a, "NAMESPACE", "ADD", "ns2", "t3") == "OK"
    assert raw(a, "NAMESPACE", "GET", "*") == ["ns1", "t2", "ns2", "t3", "__namespace", "root"]
    assert raw(a, "NAMESPACE", "CURRENT") == "__namespace"
    assert cmd_error(a, "AUTH", "t1").startswith("WRONGPASS")  # replaced by t2
    t = tenant(s, "t2")
    assert raw(t, "NAMESPACE", "CURRENT") == "ns1"
    assert raw(a, "NAMESPACE", "DEL", "ns2") == "OK"
    assert raw(a, "NAMESPACE", "GET", "ns2") is None
    a.close()
    t.close()


def test_without_requirepass_namespaces_cannot_be_added(server_factory):
    s = server_factory()
    c = s.client(decode_responses=True)
    assert cmd_error(c, "NAMESPACE", "ADD", "ns1", "t1") == (
        "forbidden to add namespace when requirepass was empty")
    c.close()


def test_tenants_see_only_their_own_keys(server_factory):
    s = server_factory(extra_args=["--requirepass", "root"])
    a = s.client(password="root", decode_responses=True)
    raw(a, "NAMESPACE", "ADD", "ns1", "t1")
    raw(a, "NAMESPACE", "ADD", "ns2", "t2")
    one, two = tenant(s, "t1"), tenant(s, "t2")
    a.set("shared", "admin")
    one.set("shared", "one")
    one.set("only1", "x")
    one.expire("only1", 1000)
    two.set("shared", "two")
    # Key bytes that look like another namespace's prefix reach nothing there.
    crafted = "\x03ns1" + "shared"
    two.set(crafted, "crafted")
    assert one.get("shared") == "one" and two.get("shared") == "two" and a.get("shared") == "admin"
    assert sorted(one.keys("*")) == ["only1", "shared"]
    assert sorted(two.keys("*")) == sorted(["shared", crafted])
    assert one.dbsize() == 2 and two.dbsize() == 2 and a.dbsize() == 1
    assert sorted(one.scan_iter("*")) == ["only1", "shared"]
    assert two.get("only1") is None and not two.exists("only1") and two.ttl("only1") == -2
    assert two.randomkey() in ("shared", crafted)
    assert one.memory_usage("only1") is not None and two.memory_usage("only1") is None
    assert cmd_error(two, "RENAME", "only1", "mine") == "no such key"
    assert two.delete("only1") == 0
    assert one.get("only1") == "x"
    # FLUSHDB of one tenant leaves the others.
    assert two.flushdb()
    assert two.dbsize() == 0 and one.dbsize() == 2 and a.get("shared") == "admin"
    info = one.info("keyspace")
    assert info["db0"]["keys"] == 2 and info["db0"]["expires"] == 1
    for c in (a, one, two):
        c.close()


def test_tenants_are_not_admins(server_factory):
    s = server_factory(extra_args=["--requirepass", "root"])
    a = s.client(password="root", decode_responses=True)
    raw(a, "NAMESPACE", "ADD", "ns1", "t1")
    t = tenant(s, "t1")
    for args in (["CONFIG", "GET", "maxmemory"], ["KPROFILE", "MEMORY", "STATUS"],
                 ["NAMESPACE", "GET", "*"], ["NAMESPACE", "ADD", "x", "y"], ["FLUSHALL"],
                 ["SHUTDOWN"], ["CLIENT", "KILL", "ID", "1"], ["MEMORY", "PURGE"],
                 ["NAMESPACE", "QUOTA", "ns1", "0"], ["NAMESPACE", "USAGE", "__namespace"],
                 ["CLIENT", "PAUSE", "10"]):
        assert cmd_error(t, *args) == ADMIN_ONLY, args
    assert raw(t, "NAMESPACE", "USAGE")[1] == "ns1"
    assert t.ping()
    a.close()
    t.close()


def usage(c, *ns):
    r = raw(c, "NAMESPACE", "USAGE", *ns)
    return dict(zip(r[::2], r[1::2]))


def test_data_quota_refuses_writes_and_frees_with_deletes(server_factory):
    s = server_factory(extra_args=["--requirepass", "root"])
    a = s.client(password="root", decode_responses=True)
    raw(a, "NAMESPACE", "ADD", "ns1", "t1")
    raw(a, "NAMESPACE", "ADD", "ns2", "t2")
    assert raw(a, "NAMESPACE", "QUOTA", "ns1", "10kb") == "OK"
    one, two = tenant(s, "t1"), tenant(s, "t2")
    refused = None
    for i in range(100):
        try:
            one.set("k%d" % i, "v" * 500)
        except redis.ResponseError as e:
            refused = (i, str(e))
            break
    assert refused is not None, "the quota never refused a write"
    assert refused[1].startswith("OOM command not allowed: namespace 'ns1' would exceed its data "
                                 "quota of 10240 bytes"), refused
    u = usage(a, "ns1")
    assert u["data_quota"] == 10240 and u["refused_writes"] == 1
    assert u["data_bytes"] <= 10240 and u["keys"] == refused[0]
    # Reads and deletes go on; the other tenant is not limited.
    assert one.get("k0") == "v" * 500
    for i in range(30):
        two.set("k%d" % i, "v" * 500)
    assert one.delete("k0", "k1", "k2") == 3
    assert one.set("again", "v" * 500)
    # Quotas and tokens survive a restart.
    for c in (a, one, two):
        c.close()
    assert s.stop() == 0
    s.start()
    a = s.client(password="root", decode_responses=True)
    assert raw(a, "NAMESPACE", "GET", "ns1") == "t1"
    assert usage(a, "ns1")["data_quota"] == 10240
    one = tenant(s, "t1")
    assert one.get("again") == "v" * 500
    assert cmd_error(one, "SET", "big", "v" * 20000).startswith("OOM")
    a.close()
    one.close()


def test_a_connection_whose_writes_are_refused_waits_before_its_next_command(server_factory):
    """namespace-quota-backoff: after each refusal in a row the connection's next command waits
    1 ms, 2 ms, 4 ms ... up to the key's value, while other connections are served; a write that
    passes the quota starts again from 1 ms, and 0 turns the wait off."""
    import threading
    import time
    s = server_factory(extra_args=["--requirepass", "root", "--namespace-quota-backoff", "1500"])
    a = s.client(password="root", decode_responses=True)
    raw(a, "NAMESPACE", "ADD", "ns1", "t1")
    raw(a, "NAMESPACE", "ADD", "ns2", "t2")
    assert raw(a, "NAMESPACE", "QUOTA", "ns1", "DATA", "1kb") == "OK"
    one, two = tenant(s, "t1"), tenant(s, "t2")
    assert one.set("k", "v" * 500)

    def refused_pipeline(n):
        p = one.pipeline(transaction=False)
        for i in range(n):
            p.set("big%d" % i, "v" * 2000)
        p.get("k")
        start = time.monotonic()
        replies = p.execute(raise_on_error=False)
        elapsed = time.monotonic() - start
        assert all(isinstance(r, redis.ResponseError) and str(r).startswith("OOM")
                   for r in replies[:n]), replies[:n]
        assert replies[n] == "v" * 500
        return elapsed

    pings = []
    stop = threading.Event()

    def other_tenant():
        while not stop.is_set():
            assert two.ping()
            pings.append(time.monotonic())

    t = threading.Thread(target=other_tenant)
    t.start()
    try:
        # 12 refusals: the commands after them wait 1 + 2 + ... + 1024 ms, then 1500 (the cap).
        elapsed = refused_pipeline(12)
    finally:
        stop.set()
        t.join()
    assert elapsed >= 3.5, elapsed
    assert usage(a, "ns1")["refused_writes"] == 12
    # The other tenant was served all along: its connection is not held.
    assert len(pings) >= 20, len(pings)
    # A write within the quota ends the run: the next refusal waits 1 ms, not 1500.
    assert one.delete("k") == 1 and one.set("k", "v" * 500)
    assert refused_pipeline(1) < 1.4
    # 0 = no wait at all (without it these 12 would wait 2 + 4 + ... + 1500 ms).
    assert raw(a, "CONFIG", "SET", "namespace-quota-backoff", "0") == "OK"
    assert refused_pipeline(12) < 1.8
    a.close()
    one.close()
    two.close()


def test_config_file_namespaces(server_factory):
    s = server_factory(config_text="requirepass root\nnamespace.fromfile tok\n")
    t = tenant(s, "tok")
    assert raw(t, "NAMESPACE", "CURRENT") == "fromfile"
    t.set("a", "1")
    a = s.client(password="root", decode_responses=True)
    assert a.get("a") is None
    t.close()
    a.close()


def test_activity_figures_per_namespace(server_factory):
    """clients, client_bytes, commands and ops/s per namespace, kept by the connections: a
    tenant's large pipelined request shows as its client bytes, not the other's."""
    import socket
    import time

    from helpers import encode_command, wait_until
    s = server_factory(extra_args=["--requirepass", "root"])
    a = s.client(password="root", decode_responses=True)
    raw(a, "NAMESPACE", "ADD", "ns1", "t1")
    raw(a, "NAMESPACE", "ADD", "ns2", "t2")
    one = tenant(s, "t1")
    before = usage(one)
    for i in range(200):
        one.set("k%d" % i, "v")
    after = usage(one)
    assert after["commands"] - before["commands"] >= 200
    assert after["clients"] == 1
    assert after["client_bytes"] > 0
    # ops_per_sec: commands over the last second, while a load runs.
    deadline = time.time() + 30
    seen = 0
    while time.time() < deadline and seen == 0:
        for i in range(50):
            one.get("k%d" % i)
        seen = usage(one)["ops_per_sec"]
    assert seen > 0
    # A half-sent 8 MB request of ns2's connection is ns2's client memory.
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.sendall(encode_command("AUTH", "t2"))
    assert sock.recv(100).startswith(b"+OK")
    big = encode_command("SET", "big", "x" * (8 << 20))
    sock.sendall(big[: len(big) - 10])
    wait_until(lambda: usage(a, "ns2")["client_bytes"] >= 8 << 20, what="ns2's buffer")
    assert usage(a, "ns2")["clients"] == 1
    assert usage(a, "ns1")["client_bytes"] < 1 << 20
    sock.close()
    wait_until(lambda: usage(a, "ns2")["clients"] == 0 and usage(a, "ns2")["client_bytes"] == 0,
               what="ns2's connection gone")
    # INFO namespaces: the admin sees every namespace, a tenant only its own.
    info = a.info("namespaces")
    assert set(info) >= {"ns___namespace", "ns_ns1", "ns_ns2"}
    assert info["ns_ns1"]["keys"] == 200 and info["ns_ns1"]["clients"] == 1
    mine = one.info("namespaces")
    assert list(mine) == ["ns_ns1"]
    assert mine["ns_ns1"]["commands"] >= 200



def test_client_memory_quota_closes_the_largest_first_and_refuses_large_requests(server_factory):
    import socket

    from helpers import encode_command, wait_until
    MB = 1 << 20
    s = server_factory(extra_args=["--requirepass", "root"])
    a = s.client(password="root", decode_responses=True)
    raw(a, "NAMESPACE", "ADD", "ns1", "t1")
    raw(a, "NAMESPACE", "ADD", "ns2", "t2")
    assert raw(a, "NAMESPACE", "QUOTA", "ns1", "CLIENTS", "4mb") == "OK"
    assert usage(a, "ns1")["client_quota"] == 4 * MB
    assert cmd_error(a, "NAMESPACE", "QUOTA", "ns1", "CLIENTS") == "invalid quota 'CLIENTS'"
    assert cmd_error(a, "NAMESPACE", "QUOTA", "ns1", "FOO", "1") == "syntax error"
    assert cmd_error(a, "NAMESPACE", "QUOTA", "ns1", "CLIENTS", "-1") == "invalid quota '-1'"

    def partial(token, nbytes):
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(encode_command("AUTH", token))
        assert sock.recv(100).startswith(b"+OK")
        req = encode_command("SET", "big%d" % nbytes, "x" * nbytes)
        try:
            sock.sendall(req[:-10])
        except (BrokenPipeError, ConnectionResetError):
            # The server may close the connection while the request is still being sent: the
            # caller then finds it closed.
            pass
        return sock, req[-10:]

    # ns2 has no client quota: its 6 MB request is none of ns1's business.
    other, _ = partial("t2", 6 * MB)
    small, small_rest = partial("t1", 3 * MB)
    wait_until(lambda: usage(a, "ns1")["client_bytes"] >= 3 * MB, what="the small one's buffer")
    big, _ = partial("t1", 6 * MB)
    # 9 MB > 4 MB: the largest (6 MB) goes, which covers the excess; the 3 MB one stays.
    big.settimeout(60)
    try:
        assert big.recv(100) == b""
    except ConnectionResetError:
        pass  # closed with unread request bytes in its buffer: a reset, not a FIN
    wait_until(lambda: usage(a, "ns1")["clients_closed"] == 1, what="clients_closed")
    assert "of namespace 'ns1'" in s.read_log()
    small.sendall(small_rest)
    small.settimeout(60)
    assert small.recv(100) == b"+OK\r\n"
    assert usage(a, "ns2")["clients_closed"] == 0 and usage(a, "ns2")["clients"] >= 1
    other.close()
    small.close()
    # A request larger than the quota by itself: refused (or its connection closed first), and
    # nothing is stored.
    t = tenant(s, "t1")
    try:
        t.set("huge", "y" * (5 * MB))
        stored = True
    except redis.ResponseError as e:
        assert "namespace 'ns1' is over its client memory quota of 4194304 bytes" in str(e)
        stored = False
    except redis.ConnectionError:
        stored = False
    assert not stored
    assert tenant(s, "t1").exists("huge") == 0
    # Quota 0 lifts it.
    assert raw(a, "NAMESPACE", "QUOTA", "ns1", "CLIENTS", "0") == "OK"
    assert tenant(s, "t1").set("huge", "y" * (5 * MB)) is True
