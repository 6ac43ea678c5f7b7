"""Tests for schema_tools.sources.connection (no server needed)."""

from __future__ import annotations

import dataclasses
import socket
from urllib.parse import quote

import pymysql
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schema_tools.errors import ConnectionFailed, InputError
from schema_tools.sources.connection import ConnectionSpec, is_url, parse_url, scrub

SPECIAL = "p@ss:w/rd%"
SPECIAL_ENC = quote(SPECIAL, safe="")  # p%40ss%3Aw%2Frd%25
NO_ENV: dict[str, str] = {}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def assert_hidden(text: str, password: str) -> None:
    assert password not in text
    assert quote(password, safe="") not in text


# --------------------------------------------------------------------------- is_url

@pytest.mark.parametrize("text", [
    "mysql://h", "mariadb://u@h/db", "mysql+pymysql://u@h/db", "mariadb+pymysql://h",
    "mysql+mysqldb://h/db", "MariaDB://h", "mysql+mysqlconnector://h",
])
def test_is_url_true(text):
    assert is_url(text) is True


@pytest.mark.parametrize("text", [
    "postgresql://h/db", "sqlite:///x.db", "schema.sql", "mysql:/h", "mysql:h",
    "", "./mysql://h", "mysql+://h", "http://mysql.example/",
])
def test_is_url_false(text):
    assert is_url(text) is False


# --------------------------------------------------------------------------- URL forms

def test_full_url():
    spec = parse_url("mysql://ispyb:secret@db.example.org:3307/pydb", environ=NO_ENV)
    assert (spec.flavour, spec.host, spec.port, spec.user, spec.password,
            spec.database, spec.socket) == (
        None, "db.example.org", 3307, "ispyb", "secret", "pydb", None)


@pytest.mark.parametrize("url,flavour", [
    ("mysql://h/db", None),
    ("mariadb://h/db", "mariadb"),
    ("mariadb+pymysql://h/db", "mariadb"),
    ("mysql+pymysql://h/db", None),
    ("mysql+mysqldb://h/db", None),
    ("MARIADB://h/db", "mariadb"),
])
def test_flavour_from_scheme(url, flavour):
    assert parse_url(url, environ=NO_ENV).flavour == flavour


def test_user_without_password_and_default_port():
    spec = parse_url("mariadb://ispyb@dbhost/pydb", environ=NO_ENV)
    assert spec.user == "ispyb"
    assert spec.password is None
    assert spec.host == "dbhost"
    assert spec.port == 3306


def test_nothing_given_defaults_to_loopback_3306():
    spec = parse_url("mariadb://", environ=NO_ENV)
    assert (spec.host, spec.port, spec.socket, spec.user, spec.database) == (
        "127.0.0.1", 3306, None, None, None)


def test_percent_encoded_user_password_database():
    spec = parse_url(f"mysql+pymysql://my%20user:{SPECIAL_ENC}@h/py%2Ddb", environ=NO_ENV)
    assert spec.user == "my user"
    assert spec.password == SPECIAL
    assert spec.database == "py-db"


def test_plus_in_password_is_literal():
    assert parse_url("mysql://u:a+b@h", environ=NO_ENV).password == "a+b"


def test_empty_url_password_is_explicit_and_beats_env():
    spec = parse_url("mysql://u:@h/db", environ={"MYSQL_PWD": "fromenv"})
    assert spec.password == ""


def test_ipv6_host():
    spec = parse_url("mariadb://u:pw@[::1]:3307/db", environ=NO_ENV)
    assert spec.host == "::1"
    assert spec.port == 3307
    assert spec.redacted() == "mariadb://u:***@[::1]:3307/db"


@pytest.mark.parametrize("param", ["unix_socket", "socket"])
def test_socket_query(param):
    spec = parse_url(f"mariadb://u@/db?{param}=/run/mysqld/mysqld.sock", environ=NO_ENV)
    assert spec.socket == "/run/mysqld/mysqld.sock"
    assert spec.host is None
    assert spec.port is None
    assert spec.database == "db"


def test_socket_query_percent_encoded_and_with_host():
    spec = parse_url("mysql://u@localhost/db?unix_socket=%2Ftmp%2Fmy%20sock", environ=NO_ENV)
    assert spec.socket == "/tmp/my sock"
    assert spec.host == "localhost"


def test_both_socket_params_agreeing_is_fine_disagreeing_is_error():
    ok = parse_url("mysql://h/db?socket=/s&unix_socket=/s", environ=NO_ENV)
    assert ok.socket == "/s"
    with pytest.raises(InputError, match="disagree"):
        parse_url("mysql://h/db?socket=/a&unix_socket=/b", environ=NO_ENV)


# --------------------------------------------------------------------------- URL errors

def test_unknown_query_parameter_is_named_and_value_hidden():
    with pytest.raises(InputError) as info:
        parse_url("mysql://u:topsecret@h/db?password=alsosecret", environ=NO_ENV)
    msg = str(info.value)
    assert "'password'" in msg
    assert "topsecret" not in msg
    assert "alsosecret" not in msg


def test_unknown_query_parameter_charset():
    with pytest.raises(InputError, match="'charset'"):
        parse_url("mysql+pymysql://u@h/db?charset=utf8mb4", environ=NO_ENV)


@pytest.mark.parametrize("url", [
    "mysql://u:hunter22@h:notaport/db",
    "mysql://u:hunter22@h:99999/db",
    "mysql://u:hunter22@h:0/db",
    "mysql://u:hunter22@[::1/db",
    "mysql://u:hunter22@h/a/b",
    "mysql://u:hunter22@h/db#frag",
    "mysql://u:hunter22@h/my db",
    "mysql://u:hunter22@h/db?socket",
    "mysql://u:hunter22@h/db?socket=/a&socket=/a",
    "mysql://u:hunter22@h/db\n",
    "mysql://u:hunter22@h/%ff",
    "mysql://u:hunt/er22@h/db",   # unencoded '/' in the password
])
def test_malformed_url_input_error_with_password_redacted(url):
    with pytest.raises(InputError) as info:
        parse_url(url, environ=NO_ENV)
    msg = str(info.value)
    assert "hunter22" not in msg
    assert "er22" not in msg
    assert "***" in msg
    assert "\n" not in msg


def test_user_password_without_host_is_redacted():
    with pytest.raises(InputError) as info:
        parse_url("mysql://ispyb:hunter22", environ=NO_ENV)
    assert "hunter22" not in str(info.value)


@pytest.mark.parametrize("text", ["postgresql://u:hunter22@h/db", "pydb.sql",
                                  "ispyb:hunter22@dbhost/pydb"])
def test_not_a_url(text):
    with pytest.raises(InputError) as info:
        parse_url(text, environ=NO_ENV)
    assert "hunter22" not in str(info.value)
    assert "not a MariaDB/MySQL URL" in str(info.value)


# --------------------------------------------------------------------------- precedence

def test_password_precedence_url_over_env_over_file(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\npassword=fromfile\n")
    env = {"MYSQL_PWD": "fromenv"}
    assert parse_url("mysql://u:fromurl@h", defaults_file=cnf, environ=env).password == "fromurl"
    assert parse_url("mysql://u@h", defaults_file=cnf, environ=env).password == "fromenv"
    assert parse_url("mysql://u@h", defaults_file=cnf, environ=NO_ENV).password == "fromfile"
    assert parse_url("mysql://u@h", environ=NO_ENV).password is None


def test_empty_mysql_pwd_counts_as_unset(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\npassword=fromfile\n")
    spec = parse_url("mysql://u@h", defaults_file=cnf, environ={"MYSQL_PWD": ""})
    assert spec.password == "fromfile"


def test_environ_defaults_to_os_environ(monkeypatch):
    monkeypatch.setenv("MYSQL_PWD", "osenvpw")
    assert parse_url("mysql://u@h").password == "osenvpw"
    monkeypatch.delenv("MYSQL_PWD")
    assert parse_url("mysql://u@h").password is None


def test_url_values_win_over_option_file(tmp_path):
    cnf = write(tmp_path / "my.cnf",
                "[client]\nuser=fileuser\nhost=filehost\nport=3400\ndatabase=filedb\n")
    spec = parse_url("mysql://urluser@urlhost:3500/urldb", defaults_file=cnf, environ=NO_ENV)
    assert (spec.user, spec.host, spec.port, spec.database) == (
        "urluser", "urlhost", 3500, "urldb")
    bare = parse_url("mysql://", defaults_file=cnf, environ=NO_ENV)
    assert (bare.user, bare.host, bare.port, bare.database) == (
        "fileuser", "filehost", 3400, "filedb")


def test_url_host_keeps_file_port_like_the_client(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\nport=3400\n")
    assert parse_url("mysql://urlhost", defaults_file=cnf, environ=NO_ENV).port == 3400


def test_file_socket_used_when_url_has_no_transport(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\nsocket=/run/file.sock\n")
    spec = parse_url("mysql://u@/db", defaults_file=cnf, environ=NO_ENV)
    assert spec.socket == "/run/file.sock"
    assert spec.host is None and spec.port is None


def test_file_socket_with_localhost_host(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\nhost=localhost\nsocket=/run/file.sock\n")
    spec = parse_url("mysql://", defaults_file=cnf, environ=NO_ENV)
    assert spec.socket == "/run/file.sock"
    assert spec.host is None


def test_file_socket_ignored_for_remote_file_host(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\nhost=db.example\nsocket=/run/file.sock\n")
    spec = parse_url("mysql://", defaults_file=cnf, environ=NO_ENV)
    assert spec.socket is None
    assert (spec.host, spec.port) == ("db.example", 3306)


def test_url_host_overrides_file_socket(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\nsocket=/run/file.sock\n")
    spec = parse_url("mysql://u@127.0.0.1/db", defaults_file=cnf, environ=NO_ENV)
    assert spec.socket is None
    assert (spec.host, spec.port) == ("127.0.0.1", 3306)


def test_url_socket_overrides_file_host(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\nhost=db.example\nport=3400\n")
    spec = parse_url("mysql://u@/db?socket=/url.sock", defaults_file=cnf, environ=NO_ENV)
    assert spec.socket == "/url.sock"
    assert spec.host is None and spec.port is None


def test_home_my_cnf_not_read_implicitly(tmp_path, monkeypatch):
    write(tmp_path / ".my.cnf", "[client]\npassword=homepw\nuser=homeuser\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("MYSQL_PWD", raising=False)
    spec = parse_url("mysql://h/db")
    assert spec.password is None
    assert spec.user is None
    explicit = parse_url("mysql://h/db", defaults_file=tmp_path / ".my.cnf")
    assert (explicit.user, explicit.password) == ("homeuser", "homepw")


# --------------------------------------------------------------------------- option files

def test_option_file_sections_and_file_order(tmp_path):
    cnf = write(tmp_path / "my.cnf", """
# comment
; another comment
[mysqld]
password=server-side
user=mysql
[client]
user=clientuser
password=clientpw
host=clienthost
[client-server]
port=3401
[client-mariadb]
database=mdb
[mysql]
password=mysqlpw
[mariadb]
user=mariadbuser
[mysqldump]
user=dumpuser
""")
    spec = parse_url("mariadb://", defaults_file=cnf, environ=NO_ENV)
    assert spec.user == "mariadbuser"
    assert spec.password == "mysqlpw"
    assert spec.host == "clienthost"
    assert spec.port == 3401
    assert spec.database == "mdb"


def test_option_file_later_value_wins_even_in_earlier_listed_group(tmp_path):
    # The client applies options in file order, not in group-list order.
    cnf = write(tmp_path / "my.cnf", "[mariadb]\nuser=first\n[client]\nuser=second\n")
    assert parse_url("mysql://", defaults_file=cnf, environ=NO_ENV).user == "second"


def test_option_file_quotes_escapes_comments_flags(tmp_path):
    cnf = write(tmp_path / "my.cnf", r"""
[client]
no-auto-rehash
password
user = 'quoted user'   # trailing comment
password = "pa#ss word"  # the '#' inside quotes is kept
database="db\\name"
host = h1 # comment
socket = '/tmp/x\sy.sock'
""")
    spec = parse_url("mysql://", defaults_file=cnf, environ=NO_ENV)
    assert spec.user == "quoted user"
    assert spec.password == "pa#ss word"
    assert spec.database == "db\\name"
    assert spec.host == "h1"  # socket ignored: remote host from the same file
    assert spec.socket is None


def test_option_file_unquoted_hash_starts_comment_and_escape_s(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\npassword=abc#def\nuser=a\\sb\n")
    spec = parse_url("mysql://h", defaults_file=cnf, environ=NO_ENV)
    assert spec.password == "abc"
    assert spec.user == "a b"


def test_option_file_underscores_loose_prefix_case(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[CLIENT]\nloose-user=lu\nDATABASE=d1\nloose_password=lp\n")
    spec = parse_url("mysql://h", defaults_file=cnf, environ=NO_ENV)
    assert (spec.user, spec.database, spec.password) == ("lu", "d1", "lp")


def test_option_file_empty_password_is_empty(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\npassword=\n")
    assert parse_url("mysql://h", defaults_file=cnf, environ=NO_ENV).password == ""


def test_option_file_include_relative_and_override(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "creds.cnf", "[client]\nuser=incuser\npassword=incpw\n")
    cnf = write(tmp_path / "my.cnf",
                "[client]\nuser=before\n!include sub/creds.cnf\nhost=afterhost\n")
    spec = parse_url("mysql://", defaults_file=cnf, environ=NO_ENV)
    assert spec.user == "incuser"          # included file came later than user=before
    assert spec.password == "incpw"
    assert spec.host == "afterhost"        # parent's group continues after the include


def test_option_file_include_absolute(tmp_path):
    inc = write(tmp_path / "abs.cnf", "[mysql]\npassword=abspw\n")
    cnf = write(tmp_path / "my.cnf", f"[client]\n!include {inc}\n")
    assert parse_url("mysql://h", defaults_file=cnf, environ=NO_ENV).password == "abspw"


def test_option_file_includedir_reads_only_cnf_in_order(tmp_path):
    d = tmp_path / "conf.d"
    d.mkdir()
    write(d / "10-a.cnf", "[client]\nuser=a\ndatabase=da\n")
    write(d / "20-b.cnf", "[client]\nuser=b\n")
    write(d / "30-c.txt", "[client]\nuser=c\n")
    write(d / "99-z.cnf.bak", "[client]\nuser=z\n")
    cnf = write(tmp_path / "my.cnf", "!includedir conf.d\n")
    spec = parse_url("mysql://h", defaults_file=cnf, environ=NO_ENV)
    assert spec.user == "b"
    assert spec.database == "da"


def test_option_file_include_cycle_is_bounded(tmp_path):
    write(tmp_path / "a.cnf", "!include b.cnf\n")
    write(tmp_path / "b.cnf", "!include a.cnf\n")
    with pytest.raises(InputError, match="nested"):
        parse_url("mysql://h", defaults_file=tmp_path / "a.cnf", environ=NO_ENV)


def test_missing_defaults_file_names_path(tmp_path):
    missing = tmp_path / "nope.cnf"
    with pytest.raises(InputError) as info:
        parse_url("mysql://h", defaults_file=missing, environ=NO_ENV)
    assert str(missing) in str(info.value)


def test_unreadable_defaults_file_names_path(tmp_path):
    with pytest.raises(InputError) as info:
        parse_url("mysql://h", defaults_file=tmp_path, environ=NO_ENV)  # a directory
    assert str(tmp_path) in str(info.value)


def test_missing_include_names_path(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\n!include gone.cnf\n")
    with pytest.raises(InputError) as info:
        parse_url("mysql://h", defaults_file=cnf, environ=NO_ENV)
    assert "gone.cnf" in str(info.value)


def test_missing_includedir_names_path(tmp_path):
    cnf = write(tmp_path / "my.cnf", "!includedir nodir\n")
    with pytest.raises(InputError, match="nodir"):
        parse_url("mysql://h", defaults_file=cnf, environ=NO_ENV)


@pytest.mark.parametrize("text,match", [
    ("password=orphan-secret\n", "before any"),
    ("[client\npassword=x\n", "group header"),
    ("[client]\nport=abc\n", "port"),
    ("[client]\n!bogus x\n", "directive"),
])
def test_malformed_option_file(tmp_path, text, match):
    cnf = write(tmp_path / "my.cnf", text)
    with pytest.raises(InputError, match=match) as info:
        parse_url("mysql://h", defaults_file=cnf, environ=NO_ENV)
    assert "orphan-secret" not in str(info.value)
    assert "my.cnf:" in str(info.value)


def test_non_utf8_option_file(tmp_path):
    cnf = tmp_path / "my.cnf"
    cnf.write_bytes(b"[client]\npassword=\xff\xfe\n")
    with pytest.raises(InputError, match="UTF-8"):
        parse_url("mysql://h", defaults_file=cnf, environ=NO_ENV)


def test_str_defaults_file_path(tmp_path):
    cnf = write(tmp_path / "my.cnf", "[client]\nuser=s\n")
    assert parse_url("mysql://h", defaults_file=str(cnf), environ=NO_ENV).user == "s"


# --------------------------------------------------------------------------- the spec

def test_redacted_forms():
    assert parse_url("mariadb://ispyb:pw@127.0.0.1:3306/pydb",
                     environ=NO_ENV).redacted() == "mariadb://ispyb:***@127.0.0.1:3306/pydb"
    assert parse_url("mysql://ispyb@h/pydb", environ=NO_ENV).redacted() == \
        "mysql://ispyb@h:3306/pydb"
    assert parse_url("mariadb://u:pw@/db?socket=/run/my%20s.sock",
                     environ=NO_ENV).redacted() == \
        "mariadb://u:***@/db?unix_socket=/run/my%20s.sock"
    assert parse_url("mysql://", environ=NO_ENV).redacted() == "mysql://127.0.0.1:3306"


def test_str_is_redacted_url():
    spec = parse_url("mariadb://u:pw99@h/db", environ=NO_ENV)
    assert str(spec) == spec.redacted() == "mariadb://u:***@h:3306/db"


@pytest.mark.parametrize("url", [
    f"mariadb://us%40er:{SPECIAL_ENC}@[::1]:3307/d%2Fb",
    "mysql://u@/db?unix_socket=/tmp/a%20b.sock",
    "mysql://",
    "mariadb://u@h/db",
])
def test_redacted_round_trips(url):
    spec = parse_url(url, environ=NO_ENV)
    again = parse_url(spec.redacted(), environ=NO_ENV)
    expected_pw = None if spec.password is None else "***"
    assert again == dataclasses.replace(spec, password=expected_pw)


def test_with_database_and_frozen():
    spec = parse_url("mysql://u:pw@h/one", environ=NO_ENV)
    other = spec.with_database("two")
    assert other.database == "two"
    assert spec.database == "one"
    assert other.password == "pw"
    assert spec.with_database(None).database is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.database = "three"  # type: ignore[misc]  # frozen: the assignment is what is tested


# --------------------------------------------------------------------------- password hiding

def _spec_from(source: str, tmp_path, password: str) -> ConnectionSpec:
    if source == "url":
        return parse_url(f"mariadb://ispyb:{quote(password, safe='')}@127.0.0.1/pydb",
                         environ=NO_ENV)
    if source == "env":
        return parse_url("mariadb://ispyb@127.0.0.1/pydb", environ={"MYSQL_PWD": password})
    cnf = write(tmp_path / "my.cnf", f"[client]\npassword='{password}'\n")
    return parse_url("mariadb://ispyb@127.0.0.1/pydb", defaults_file=cnf, environ=NO_ENV)


SOURCES = ["url", "env", "file"]
PASSWORDS = ["Sup3rS3cret", SPECIAL]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("password", PASSWORDS)
def test_password_never_in_repr_str_redacted(source, password, tmp_path):
    spec = _spec_from(source, tmp_path, password)
    assert spec.password == password  # really loaded from that source
    for text in (repr(spec), str(spec), spec.redacted(), f"{spec}", f"{spec!r}",
                 repr([spec]), repr({"s": spec})):
        assert_hidden(text, password)
    assert spec.redacted() == "mariadb://ispyb:***@127.0.0.1:3306/pydb"


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("password", PASSWORDS)
def test_client_command_password_only_in_env(source, password, tmp_path):
    spec = _spec_from(source, tmp_path, password)
    argv, env = spec.client_command()
    assert env == {"MYSQL_PWD": password}
    for arg in argv:
        assert_hidden(arg, password)
    assert argv[0] == "mariadb"
    assert argv[1] == "--no-defaults"
    assert "--host=127.0.0.1" in argv
    assert "--port=3306" in argv
    assert "--user=ispyb" in argv
    assert "--database=pydb" in argv


def test_client_command_socket_binary_and_no_password():
    spec = parse_url("mysql://u@/db?unix_socket=/run/m.sock", environ=NO_ENV)
    argv, env = spec.client_command("mysql")
    assert argv[:2] == ["mysql", "--no-defaults"]
    assert "--socket=/run/m.sock" in argv
    assert not any(a.startswith("--host") or a.startswith("--port") for a in argv)
    assert env == {}


def test_client_command_forces_tcp_for_localhost():
    argv, _ = parse_url("mysql://u@localhost/db", environ=NO_ENV).client_command()
    assert "--protocol=TCP" in argv
    assert "--host=localhost" in argv


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("password", PASSWORDS)
def test_connect_closed_port_raises_connection_failed_without_password(
        source, password, tmp_path):
    port = free_port()
    spec = dataclasses.replace(_spec_from(source, tmp_path, password), port=port)
    with pytest.raises(ConnectionFailed) as info:
        spec.connect()
    exc = info.value
    msg = str(exc)
    assert_hidden(msg, password)
    assert msg.startswith(f"cannot connect to mariadb://ispyb:***@127.0.0.1:{port}/pydb: ")
    assert "(2003)" in msg
    assert "\n" not in msg
    assert exc.__cause__ is None and exc.__suppress_context__  # no pymysql traceback
    assert exc.hint


def test_connect_missing_socket(tmp_path):
    spec = parse_url(f"mysql://u:sockpw@/db?socket={tmp_path}/none.sock", environ=NO_ENV)
    with pytest.raises(ConnectionFailed) as info:
        spec.connect(database=None)
    assert "sockpw" not in str(info.value)
    assert str(info.value).startswith("cannot connect to mysql://u:***@?unix_socket=")


def test_connect_scrubs_password_from_server_error(monkeypatch):
    password = SPECIAL

    def fake_connect(**kw):
        raise pymysql.err.OperationalError(
            1045, f"Access denied, you said {password} aka {quote(password, safe='')}")

    monkeypatch.setattr(pymysql, "connect", fake_connect)
    spec = parse_url(f"mysql://u:{SPECIAL_ENC}@127.0.0.1/db", environ=NO_ENV)
    with pytest.raises(ConnectionFailed) as info:
        spec.connect()
    msg = str(info.value)
    assert_hidden(msg, password)
    assert "(1045) Access denied, you said *** aka ***" in msg


def test_connect_parameters(monkeypatch):
    calls = []
    monkeypatch.setattr(pymysql, "connect", lambda **kw: calls.append(kw) or "CONN")
    spec = parse_url("mysql://u:p\u00e9@[::1]:3307/db", environ=NO_ENV)
    assert spec.connect() == "CONN"
    kw = calls[-1]
    assert kw["charset"] == "utf8mb4"
    assert kw["autocommit"] is True
    assert kw["connect_timeout"] == 10
    assert kw["host"] == "::1" and kw["port"] == 3307 and kw["user"] == "u"
    assert kw["password"] == "p\u00e9".encode("utf-8")
    assert kw["database"] == "db"
    assert kw["unix_socket"] is None

    spec.connect(database=None)
    assert calls[-1]["database"] is None
    spec.connect("other", connect_timeout=3, autocommit=False)
    assert calls[-1]["database"] == "other"
    assert calls[-1]["connect_timeout"] == 3
    assert calls[-1]["autocommit"] is False


def test_connect_socket_parameters(monkeypatch):
    calls = []
    monkeypatch.setattr(pymysql, "connect", lambda **kw: calls.append(kw))
    parse_url("mysql://u@/db?socket=/s.sock", environ=NO_ENV).connect()
    assert calls[-1]["unix_socket"] == "/s.sock"
    assert calls[-1]["password"] == b""


# --------------------------------------------------------------------------- scrub

def test_scrub():
    assert scrub("a p@ss:w/rd% b", [SPECIAL]) == "a *** b"
    assert scrub(f"url {SPECIAL_ENC} x", [SPECIAL]) == "url *** x"
    assert scrub("nothing here", ["", None]) == "nothing here"
    # longest first, so a secret containing another is not partly left behind
    assert scrub("abcdef and abc", ["abc", "abcdef"]) == "*** and ***"
    assert scrub("a+b and a%2Bb", ["a+b"]) == "*** and ***"


# --------------------------------------------------------------------------- property

@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=20).map(lambda s: "Zq9" + s))
def test_any_password_round_trips_and_stays_hidden(password):
    spec = parse_url(f"mysql+pymysql://ispyb:{quote(password, safe='')}@127.0.0.1/pydb",
                     environ=NO_ENV)
    assert spec.password == password
    argv, env = spec.client_command()
    assert env["MYSQL_PWD"] == password
    for text in [repr(spec), str(spec), spec.redacted(), *argv]:
        assert password not in text
        assert quote(password, safe="") not in text

