"""The server starts, answers, persists and stops cleanly."""
import redis


def test_ping_set_get(r):
    assert r.ping()
    assert r.set("k", "v")
    assert r.get("k") == "v"
    assert r.get("missing") is None


def test_unknown_command_error_text(r):
    try:
        r.execute_command("FOO", "a", "b")
        assert False, "expected an error"
    except redis.ResponseError as e:
        assert str(e) == "unknown command 'FOO', with args beginning with: 'a' 'b' "


def test_wrong_arity_error_text(r):
    try:
        r.execute_command("GET")
        assert False
    except redis.ResponseError as e:
        assert str(e) == "wrong number of arguments for 'get' command"
