"""Who was called: the service, host, URL path or command a failure is about.

"Connection refused" to PostgreSQL and to Redis are two problems; so are 503s from two
upstreams and ``alembic`` vs ``npm run build`` exiting 1. The callee is a discriminator of
a family's key (docs/signatures.md). Ports are dropped (test servers pick them at random)
except to name a well-known service.
"""

from __future__ import annotations

import re

from bot.core.signatures.v2.parameters import parameterize

MAX_CALLEE_INPUT = 6_000

# Well-known services by name or default port, checked before hosts (a container host
# name like "db" says less than the port 5432 beside it).
SERVICES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "postgresql",
        re.compile(
            r"postgres|psycopg|\bpg\b|asyncpg|PSQLException|:5432\b|port 5432\b|\bpgx\b", re.I
        ),
    ),
    ("redis", re.compile(r"\bredis|:6379\b|port 6379\b", re.I)),
    ("mysql", re.compile(r"\bmysql|mariadb|:3306\b|port 3306\b", re.I)),
    ("mongodb", re.compile(r"\bmongo|:27017\b", re.I)),
    ("kafka", re.compile(r"\bkafka|:9092\b", re.I)),
    ("rabbitmq", re.compile(r"rabbitmq|\bamqp|:5672\b", re.I)),
    ("elasticsearch", re.compile(r"elasticsearch|opensearch|:9200\b", re.I)),
    ("memcached", re.compile(r"memcache|:11211\b", re.I)),
    ("sqlite", re.compile(r"\bsqlite", re.I)),
    ("selenium", re.compile(r"\bselenium|webdriver|chromedriver|geckodriver", re.I)),
)
_URL = re.compile(r"\b(?:https?|wss?)://(?P<host>[\w.-]+)(?::\d+)?(?P<path>/[^\s'\"<>)\],;?#]*)?")
_POOL_HOST = re.compile(r"\bhost='(?P<host>[\w.-]+)'")
_HOST_WORD = re.compile(
    r"\b(?:host|server|hostname)\s*[=:]?\s*[\"']?(?P<host>[A-Za-z][\w-]*(?:\.[\w-]+)+)"
)
_COMMANDS = (
    re.compile(  # subprocess: Command '['python', '-m', 'agents.worker']' …
        r"Command '\[?'(?P<cmd>[^'\s]+)'?(?:, '(?P<sub>[\w:-]+)')?(?P<args>(?:, '[^'\n]*')*)"
    ),
    re.compile(
        r"`(?P<cmd>[\w./-]+)(?: (?:run )?(?P<sub>[\w:-]+))?[^`\n]*`\s+(?:exited|failed|returned)"
    ),
    re.compile(r"Process 'command '(?P<cmd>[^']+)''"),  # Gradle Exec
    re.compile(r"\bexec: \"(?P<cmd>[^\"]+)\""),  # Go os/exec
    re.compile(
        r"^(?P<cmd>npm|yarn|pnpm) (?:ERR!|error)\b(?:.*\bscript\b[^\n]*?\b(?P<sub>[\w:-]+))?", re.M
    ),
    # the process a signal or the OOM killer ended, as its runner or shell names it:
    re.compile(r"\bA (?P<cmd>[\w-]+) worker process \(pid="),  # jest-worker
    re.compile(r"\bWorker (?P<cmd>[\w-]+) emitted error"),  # vitest pools (workerd …)
    re.compile(  # bash job control: "line 162: 11202 Killed   "$X/dotnet" exec …"
        r"\bline \d+: +\d+ (?:Killed|Segmentation fault|Aborted|Terminated)[^\n]*?"
        r" +\"?(?P<cmd>[^\s\"]+)\"?(?P<args>[^\n]*)"
    ),
    re.compile(r"^\s*+(?P<cmd>/?[\w./-]+): signal: \w+", re.M),  # Go os/exec, go tool
    re.compile(r"\b(?P<cmd>[\w-]+) (?:process )?exited with (?:exit )?code \d"),
    re.compile(
        r"\b(?P<cmd>npm|yarn|pnpm|alembic|make|docker|gradle|mvn|cargo|go|tsc|webpack|vite)"
        r" (?:run )?(?P<sub>[\w:-]+)[^\n]{0,40}?\b(?:exited|failed|returned|exit (?:code|status))",
        re.I,
    ),
)
DEFAULT_PORTS = {
    "postgresql": 5432,
    "redis": 6379,
    "mysql": 3306,
    "mongodb": 27017,
    "kafka": 9092,
    "rabbitmq": 5672,
    "elasticsearch": 9200,
    "memcached": 11211,
}
_PORT = re.compile(
    # host:port with a host that is an address or a URL's (never file.go:233)
    r"(?:\blocalhost|\b\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|//[\w.-]+):(?P<port>\d{2,5})\b"
    r"|\bport[ =:]+(?P<word>\d{2,5})\b"
    r"|\(\s*'[\w.:-]+',\s*(?P<tuple>\d{2,5})\)"  # asyncio: Connect call failed ('127.0.0.1', 8000)
    r"|(?<![\w:]):::(?P<any>\d{2,5})\b",  # Node's "address already in use :::7357"
    re.I,
)
_SERVICE_BY_PORT = {port: name for name, port in DEFAULT_PORTS.items()}
# Ports the OS hands out at random (Linux's ephemeral range starts at 32768): data.
MAX_FIXED_PORT = 32_767
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1"})  # noqa: S104 - names


def _path(path: str | None) -> str:
    if not path or path == "/":
        return ""
    text = parameterize(path.rstrip("/"))
    return text.split(" ")[0]


def service_of(text: str) -> str | None:
    bounded = text[:MAX_CALLEE_INPUT]
    return next((name for name, pattern in SERVICES if pattern.search(bounded)), None)


def url_of(text: str) -> str | None:
    match = _URL.search(text[:MAX_CALLEE_INPUT])
    if not match:
        return None
    host = match.group("host")
    if host in _LOCAL_HOSTS or re.fullmatch(r"[\d.]+", host):
        host = "local"
    return host + _path(match.group("path"))


# What a runtime was launched to run: the last assembly or jar (dotnet exec, java -jar),
# else an interpreter's script or module (python -m agents.worker, node server.js).
_TARGET = re.compile(r"(?P<target>[\w.-]+\.(?:dll|jar))\b")
_INTERPRETERS = frozenset(
    {"python", "python3", "node", "ruby", "bash", "sh", "perl", "php", "deno", "bun", "java"}
)
_ARGUMENT = re.compile(r"[^\s,'\"]++")
_SCRIPT = re.compile(r"[\w][\w./:-]{0,79}")


def _launched_target(command: str, args: str) -> str | None:
    if targets := _TARGET.findall(args):
        return str(targets[-1])
    if command in _INTERPRETERS:
        for argument in _ARGUMENT.findall(args):
            if not argument.startswith("-"):
                return argument if _SCRIPT.fullmatch(argument) else None
    return None


def command_of(text: str) -> str | None:
    bounded = text[:MAX_CALLEE_INPUT]
    for pattern in _COMMANDS:
        match = pattern.search(bounded)
        if match:
            command = match.group("cmd").rsplit("/", 1)[-1]
            args = (
                (match.groupdict().get("sub") or "") + " " + (match.groupdict().get("args") or "")
            )
            if target := _launched_target(command, args):
                return f"{command} {target}"  # dotnet/java running one test assembly
            sub = match.groupdict().get("sub")
            return f"{command} {sub}" if sub and command in ("npm", "yarn", "pnpm") else command
    return None


def fixed_port_of(text: str) -> int | None:
    """The first port named in ``text`` when it is a fixed one (configured, not random)."""
    match = _PORT.search(text[:MAX_CALLEE_INPUT])
    if not match:
        return None
    port = int(
        match.group("port") or match.group("word") or match.group("tuple") or match.group("any")
    )
    return port if 0 < port <= MAX_FIXED_PORT else None


def endpoint_of(text: str) -> str | None:
    """A connection's callee: the service (with its port when not the default one: a second
    Redis on 6380 is another server), else the host, else a fixed port."""
    found = callee_of(text)
    callee = found.split("/", 1)[0] if found else None
    port = fixed_port_of(text)
    if port is None or (callee is not None and DEFAULT_PORTS.get(callee) == port):
        return callee
    if callee in (None, "local") and port in _SERVICE_BY_PORT:
        return _SERVICE_BY_PORT[port]  # ('127.0.0.1', 5432) is PostgreSQL's port
    return f"{callee or 'local'}:{port}"


def callee_of(text: str, *, services: bool = True) -> str | None:
    """The most specific callee named in ``text``: a service, else a URL, else a host."""
    if services:
        service = service_of(text)
        if service:
            return service
    url = url_of(text)
    if url:
        return url
    bounded = text[:MAX_CALLEE_INPUT]
    host = _POOL_HOST.search(bounded) or _HOST_WORD.search(bounded)
    if host and host.group("host") not in _LOCAL_HOSTS:
        return host.group("host")
    return None
