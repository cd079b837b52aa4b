"""A real OpenLDAP server for the tests: ``slapd`` from Debian on a free port, in a temporary folder.

The configuration is generated (slapd.conf: mdb backend, the core/cosine/inetorgperson/nis schemas of
/etc/ldap/schema, a size limit of 50 so that only a paged search sees a large tree) and the server runs
in the foreground of a child process that ``stop`` ends. Each test writes its own subtree
(``ou=<test id>``) through the root account, so tests share one server without seeing each other.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ldap3 import Connection, Server

SUFFIX = "dc=example,dc=edu,dc=cn"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret-for-tests"
SIZE_LIMIT = 50
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
INSTALL_HINT = "slapd not found: run `make ldap-deps` (apt-get install -y slapd ldap-utils)"


def slapd_binary() -> str | None:
    """The slapd executable, or None when OpenLDAP is not installed."""
    return shutil.which("slapd") or next((p for p in ("/usr/sbin/slapd",) if os.path.exists(p)), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(folder: Path) -> str:
    includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
    return f"""{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
database mdb
maxsize 104857600
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {folder}/data
limits dn.regex="^cn=limited-svc,.*" size.soft={SIZE_LIMIT} size.hard={SIZE_LIMIT} size.prtotal={SIZE_LIMIT}
limits users size.soft={SIZE_LIMIT} size.hard={SIZE_LIMIT} size.prtotal=unlimited
index objectClass eq
index uid eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
"""


@dataclass
class Slapd:
    """A running slapd: its URL and the child process."""

    url: str
    process: subprocess.Popen[bytes]
    folder: Path

    def admin(self) -> Connection:
        """A connection bound as the root DN (to write test trees)."""
        return Connection(Server(self.url), ROOT_DN, ROOT_PASSWORD, auto_bind=True)

    def stop(self) -> None:
        """End the server (it removes nothing: the temp folder goes with pytest's)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start(folder: Path) -> Slapd:
    """Write the config and the base entry, start slapd on a free port, wait until it answers."""
    binary = slapd_binary()
    if binary is None:
        raise FileNotFoundError(INSTALL_HINT)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    conf = folder / "slapd.conf"
    conf.write_text(_config(folder), encoding="utf-8")
    base = folder / "base.ldif"
    base.write_text(f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n",
                    encoding="utf-8")
    slapadd = shutil.which("slapadd") or "/usr/sbin/slapadd"
    subprocess.run([slapadd, "-f", str(conf), "-l", str(base)], check=True, capture_output=True)
    last_error: Exception | None = None
    for _attempt in range(3):  # a port taken between the probe and the bind: try another
        port = _free_port()
        url = f"ldap://127.0.0.1:{port}"
        process = subprocess.Popen([binary, "-f", str(conf), "-h", f"{url}/", "-d", "0"],
                                   stdout=subprocess.DEVNULL, stderr=(folder / "slapd.log").open("ab"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process.poll() is None:
            try:
                Connection(Server(url, connect_timeout=1), ROOT_DN, ROOT_PASSWORD, auto_bind=True).unbind()
                return Slapd(url, process, folder)
            except Exception as error:  # not listening yet
                last_error = error
                time.sleep(0.1)
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
    raise RuntimeError(f"slapd did not start: {last_error}; log: {(folder / 'slapd.log').read_text()[-2000:]}")
