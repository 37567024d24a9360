"""Writes a generated clusto 0.7.8 SQLite database for the import benchmark.

Usage: bench_data.py PATH ENTITIES ROWS

ENTITIES entities: clustometa, an IP manager on a /8, a name manager, pools (one per 500
servers) and servers; ROWS live attribute rows, as clusto writes them: each server is in
one pool (a _contains row on the pool), every fourth holds an allocated IP (4 rows) and
every fourth an allocated name (2 rows), the rest are plain string and int attributes.
"""

import sqlite3
import sys
from pathlib import Path


def main() -> None:
    path, entities, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    Path(path).unlink(missing_ok=True)
    db = sqlite3.connect(path)
    ddl = Path(__file__).parent.parent / "tests" / "migrate" / "ddl-sqlite.sql"
    db.executescript(ddl.read_text())
    servers = entities - 3 - max(1, (entities - 3) // 501)
    pools = entities - 3 - servers
    ents = [(1, "clustometa", "clustometa", "clustometa"),
            (2, "net", "resourcemanager", "ipmanager"),
            (3, "names", "resourcemanager", "simplenamemanager")]
    ents += [(4 + p, f"pool{p:04d}", "pool", "pool") for p in range(pools)]
    first_server = 4 + pools
    ents += [(first_server + s, f"srv{s:06d}", "server", "basicserver") for s in range(servers)]
    db.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, 1, NULL)", ents)
    attrs = []

    def add(eid, key, sub, num, dt, i=None, s=None, rel=None):
        attrs.append((len(attrs) + 1, eid, key, sub, num, dt, i, s, None, rel, 1, None))

    add(1, "schemaversion", "property", None, "int", i=3)
    add(2, "baseip", "property", None, "string", s="10.0.0.0")
    add(2, "netmask", "property", None, "string", s="255.0.0.0")
    for k, dt, v in [("digits", "int", 6), ("basename", "string", "app"),
                     ("leadingZeros", "int", 1), ("next", "int", 1)]:
        add(3, k, "property", None, dt, **({"i": v} if dt == "int" else {"s": v}))
    ip_n = name_n = 0
    members = {}
    for s in range(servers):
        eid = first_server + s
        pool = 4 + s % pools
        n = members.get(pool, 0)
        members[pool] = n + 1
        add(pool, "_contains", None, n, "relation", rel=eid)
        if s % 4 == 0:
            ip = 10 << 24 | (ip_n + 2)
            add(eid, "ip", None, ip_n, "int", i=ip - 2**31)
            add(eid, "ip", "manager", ip_n, "relation", rel=2)
            dotted = ".".join(str(ip >> b & 255) for b in (24, 16, 8, 0))
            add(eid, "ip", "ipstring", ip_n, "string", s=dotted)
            add(eid, "ip", "cidr", ip_n, "string", s=dotted + "/8")
            ip_n += 1
        if s % 4 == 1:
            add(eid, "simplename", None, name_n, "string", s=f"app{name_n + 1:06d}")
            add(eid, "simplename", "manager", name_n, "relation", rel=3)
            name_n += 1
    s = 0
    while len(attrs) < rows:
        eid = first_server + s % servers
        k = s // servers
        if k % 2:
            add(eid, f"k{k}", None, None, "int", i=s)
        else:
            add(eid, f"k{k}", "sub", None, "string", s=f"value {s}")
        s += 1
    db.executemany("INSERT INTO entity_attrs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", attrs)
    counters = [(p, "_contains", n - 1) for p, n in members.items()]
    counters += [(3, "next", name_n + 1), (1, "ip", ip_n), (1, "simplename", name_n)]
    db.executemany("INSERT INTO counters (entity_id, attr_key, value) VALUES (?, ?, ?)", counters)
    db.commit()
    print(f"{path}: {len(ents)} entities, {len(attrs)} attribute rows")


if __name__ == "__main__":
    main()
