-- The clusto SQL test database: a clusto 0.7.8 database as clusto writes it
-- (clusto-sql.md sections 3-5), with versioning ON for a while, so deleted rows are still
-- here (deleted_at_version set) and every write transaction has a clustoversioning row.
--
-- Load it after the dialect's DDL (ddl-sqlite.sql, ddl-postgres.sql or ddl-mysql.sql). The
-- same file is valid SQL in SQLite, PostgreSQL and MySQL/MariaDB:
-- - positional INSERTs only (column order as in clusto-sql.md section 1; no column names,
--   so the "key" / `key` quoting never matters), explicit ids, one statement per line,
--   comments only on their own lines (a loader may split on lines);
-- - no backslashes and no semicolons inside strings (MySQL treats a backslash as an escape);
-- - every value fits all three: 32-bit ints, VARCHAR lengths, TEXT < 64 KB;
-- - the file is UTF-8 (the clé / café row): load it into MariaDB with a utf8mb4 connection
--   (mariadb --default-character-set=utf8mb4; sqlx uses utf8mb4 anyway);
-- - datetimes are 'YYYY-MM-DD HH:MM:SS.ffffff' strings, as clusto writes them on SQLite.
--   MySQL's DATETIME has no fraction: MariaDB 10.11 (strict mode) stores
--   '2015-03-04 05:06:07.123456' as '2015-03-04 05:06:07', TRUNCATING without a warning
--   (checked: .654321 also gives :07, no rounding; MySQL 5.6.4+ would round instead).
--   PostgreSQL and SQLite keep the microseconds.
-- - PostgreSQL's SERIAL sequences are not advanced by explicit ids (MySQL's AUTO_INCREMENT
--   is); nothing inserts after.
-- - InnoDB and PostgreSQL enforce the foreign keys: entities come before the rows that
--   reference them, and every relation_id names a row of entities (live or deleted).
--
-- Versions: 1..60. Most write steps below have their own version; versions 15, 25, 45, 46
-- and 60 stamp no row (log rows of read-only transactions, as clusto writes them), and 23
-- stamped only the rows of entity 16, which are gone.
-- Ids: entity 16 ("gone", a basicserver) and its attribute rows 21 and 22 were removed by
-- hand (a plain DELETE, no trace left), so entity_id 16 and attr_ids 21-22 are gaps.
--
-- What an importer of this database must end up with, in short (details per group below):
-- - 15 live entities (ids 1-8, 10-15, 17), of which 14 are imported: entity 12 (penguin01,
--   driver penguinserver, unknown) is skipped and reported, with its rows; entity 9 (the
--   deleted s2) is not live, so not imported; the live s2 is entity 11;
-- - live attribute rows of imported entities, in (key by code point, version, attr_id) order,
--   hidden (_) rows kept; relation rows whose target is deleted (9) or skipped (12) dropped
--   and reported; the '[NaN]' json row reported and skipped;
-- - the counters of live entities, duplicates collapsed to their maximum.

-- clustoversioning: the version log, one row per session transaction while versioning was on.
-- user is always NULL (nothing in clusto sets it); description is NULL except for version 8,
-- written by clusto's SNMP trap service. Timestamps are CURRENT_TIMESTAMP text without a
-- fraction (SQLite form), UTC. An importer may ignore the log (optional history import).
INSERT INTO clustoversioning VALUES (1, '2015-03-09 09:10:37', NULL, NULL);
INSERT INTO clustoversioning VALUES (2, '2015-03-09 09:16:51', NULL, NULL);
INSERT INTO clustoversioning VALUES (3, '2015-03-09 09:30:42', NULL, NULL);
INSERT INTO clustoversioning VALUES (4, '2015-03-09 09:40:10', NULL, NULL);
INSERT INTO clustoversioning VALUES (5, '2015-03-09 09:45:15', NULL, NULL);
INSERT INTO clustoversioning VALUES (6, '2015-03-09 09:57:57', NULL, NULL);
INSERT INTO clustoversioning VALUES (7, '2015-03-09 10:06:16', NULL, NULL);
INSERT INTO clustoversioning VALUES (8, '2015-03-09 10:11:12', NULL, 'SNMP allocate new server');
INSERT INTO clustoversioning VALUES (9, '2015-03-09 10:22:45', NULL, NULL);
INSERT INTO clustoversioning VALUES (10, '2015-03-09 10:29:55', NULL, NULL);
INSERT INTO clustoversioning VALUES (11, '2015-03-09 10:33:42', NULL, NULL);
INSERT INTO clustoversioning VALUES (12, '2015-03-09 10:44:06', NULL, NULL);
INSERT INTO clustoversioning VALUES (13, '2015-03-09 10:50:07', NULL, NULL);
INSERT INTO clustoversioning VALUES (14, '2015-03-09 11:03:45', NULL, NULL);
INSERT INTO clustoversioning VALUES (15, '2015-03-09 11:13:00', NULL, NULL);
INSERT INTO clustoversioning VALUES (16, '2015-03-09 11:18:52', NULL, NULL);
INSERT INTO clustoversioning VALUES (17, '2015-03-09 11:31:21', NULL, NULL);
INSERT INTO clustoversioning VALUES (18, '2015-03-09 11:39:27', NULL, NULL);
INSERT INTO clustoversioning VALUES (19, '2015-03-09 11:44:10', NULL, NULL);
INSERT INTO clustoversioning VALUES (20, '2015-03-09 11:55:30', NULL, NULL);
INSERT INTO clustoversioning VALUES (21, '2015-03-09 12:03:27', NULL, NULL);
INSERT INTO clustoversioning VALUES (22, '2015-03-09 12:07:01', NULL, NULL);
INSERT INTO clustoversioning VALUES (23, '2015-03-09 12:17:12', NULL, NULL);
INSERT INTO clustoversioning VALUES (24, '2015-03-09 12:24:00', NULL, NULL);
INSERT INTO clustoversioning VALUES (25, '2015-03-09 12:37:25', NULL, NULL);
INSERT INTO clustoversioning VALUES (26, '2015-03-09 12:46:27', NULL, NULL);
INSERT INTO clustoversioning VALUES (27, '2015-03-09 12:52:06', NULL, NULL);
INSERT INTO clustoversioning VALUES (28, '2015-03-09 13:04:22', NULL, NULL);
INSERT INTO clustoversioning VALUES (29, '2015-03-09 13:13:15', NULL, NULL);
INSERT INTO clustoversioning VALUES (30, '2015-03-09 13:17:45', NULL, NULL);
INSERT INTO clustoversioning VALUES (31, '2015-03-09 13:28:52', NULL, NULL);
INSERT INTO clustoversioning VALUES (32, '2015-03-09 13:36:36', NULL, NULL);
INSERT INTO clustoversioning VALUES (33, '2015-03-09 13:39:57', NULL, NULL);
INSERT INTO clustoversioning VALUES (34, '2015-03-09 13:50:55', NULL, NULL);
INSERT INTO clustoversioning VALUES (35, '2015-03-09 13:57:30', NULL, NULL);
INSERT INTO clustoversioning VALUES (36, '2015-03-09 14:10:42', NULL, NULL);
INSERT INTO clustoversioning VALUES (37, '2015-03-09 14:20:31', NULL, NULL);
INSERT INTO clustoversioning VALUES (38, '2015-03-09 14:25:57', NULL, NULL);
INSERT INTO clustoversioning VALUES (39, '2015-03-09 14:38:00', NULL, NULL);
INSERT INTO clustoversioning VALUES (40, '2015-03-09 14:46:40', NULL, NULL);
INSERT INTO clustoversioning VALUES (41, '2015-03-09 14:50:57', NULL, NULL);
INSERT INTO clustoversioning VALUES (42, '2015-03-09 15:02:51', NULL, NULL);
INSERT INTO clustoversioning VALUES (43, '2015-03-09 15:10:22', NULL, NULL);
INSERT INTO clustoversioning VALUES (44, '2015-03-09 15:13:30', NULL, NULL);
INSERT INTO clustoversioning VALUES (45, '2015-03-09 15:24:15', NULL, NULL);
INSERT INTO clustoversioning VALUES (46, '2015-03-09 15:30:37', NULL, NULL);
INSERT INTO clustoversioning VALUES (47, '2015-03-09 15:44:36', NULL, NULL);
INSERT INTO clustoversioning VALUES (48, '2015-03-09 15:54:12', NULL, NULL);
INSERT INTO clustoversioning VALUES (49, '2015-03-09 15:59:25', NULL, NULL);
INSERT INTO clustoversioning VALUES (50, '2015-03-09 16:12:15', NULL, NULL);
INSERT INTO clustoversioning VALUES (51, '2015-03-09 16:20:42', NULL, NULL);
INSERT INTO clustoversioning VALUES (52, '2015-03-09 16:24:46', NULL, NULL);
INSERT INTO clustoversioning VALUES (53, '2015-03-09 16:36:27', NULL, NULL);
INSERT INTO clustoversioning VALUES (54, '2015-03-09 16:43:45', NULL, NULL);
INSERT INTO clustoversioning VALUES (55, '2015-03-09 16:47:40', NULL, NULL);
INSERT INTO clustoversioning VALUES (56, '2015-03-09 16:58:12', NULL, NULL);
INSERT INTO clustoversioning VALUES (57, '2015-03-09 17:04:21', NULL, NULL);
INSERT INTO clustoversioning VALUES (58, '2015-03-09 17:18:07', NULL, NULL);
INSERT INTO clustoversioning VALUES (59, '2015-03-09 17:27:30', NULL, NULL);
INSERT INTO clustoversioning VALUES (60, '2015-03-09 17:32:30', NULL, NULL);

-- entities (entity_id, name, type, driver, version, deleted_at_version), in creation order.
-- The singleton clustometa, entity 1. Importer: check its schemaversion (row 1), import it.
INSERT INTO entities VALUES (1, 'clustometa', 'clustometa', 'clustometa', 1, NULL);
-- Pools, a rack and two resource managers (type resourcemanager, as 0.7.8 stores it).
-- Importer: import them; behaviour comes from driver (pool, basicrack, unique_pool, ...).
INSERT INTO entities VALUES (2, 'web', 'pool', 'pool', 2, NULL);
INSERT INTO entities VALUES (3, 'sjc1-r01', 'rack', 'basicrack', 3, NULL);
INSERT INTO entities VALUES (4, 'app', 'pool', 'unique_pool', 4, NULL);
INSERT INTO entities VALUES (5, 'net-10', 'resourcemanager', 'ipmanager', 5, NULL);
INSERT INTO entities VALUES (6, 'names-app', 'resourcemanager', 'simplenamemanager', 6, NULL);
-- Two servers; web02 was created by clusto's SNMP trap service (version 8's description).
INSERT INTO entities VALUES (7, 'web01', 'server', 'basicserver', 7, NULL);
INSERT INTO entities VALUES (8, 'web02', 'server', 'basicserver', 8, NULL);
-- s2, a basicserver DELETED at version 17 (soft delete: the row stays). Importer: skip it
-- (not live), and its rows; its name is reused by the live entity 11.
INSERT INTO entities VALUES (9, 's2', 'server', 'basicserver', 9, 17);
INSERT INTO entities VALUES (10, 'all', 'pool', 'pool', 10, NULL);
-- The live s2, a basicvirtualserver created after entity 9 was deleted. Importer: import it;
-- only one live s2, so no duplicate-name report.
INSERT INTO entities VALUES (11, 's2', 'server', 'basicvirtualserver', 18, NULL);
-- penguin01: driver penguinserver, a Digg-era site plugin that stock clusto (and our
-- importer) does not know. Importer: skip it and its rows, report it by name and driver;
-- relations pointing at it (web01's pet) become dangling and are dropped and reported.
INSERT INTO entities VALUES (12, 'penguin01', 'server', 'penguinserver', 19, NULL);
-- vmnames, a simpleentitynamemanager, and vm0001, the entity it made (that allocation
-- records no rows on either side and no clustometa counter; only (vmnames, next) moved).
INSERT INTO entities VALUES (13, 'vmnames', 'resourcemanager', 'simpleentitynamemanager', 20, NULL);
INSERT INTO entities VALUES (14, 'vm0001', 'server', 'basicvirtualserver', 21, NULL);
-- emptypool: a live pool with no rows at all and no members. Importer: import it as is.
INSERT INTO entities VALUES (15, 'emptypool', 'pool', 'pool', 22, NULL);
-- (entity 16, "gone", created at version 23, was deleted by hand: a gap in entity_id.)
-- oldnet: an ipmanager whose type is 'ipmanager', as clusto <= 0.7.7 stored it (written by
-- a host still running the older clusto). Importer: treat it as an IP manager by its driver,
-- never by type; keep the stored type string as it is.
INSERT INTO entities VALUES (17, 'oldnet', 'ipmanager', 'ipmanager', 24, NULL);

-- entity_attrs (attr_id, entity_id, key, subkey, number, datatype, int_value, string_value,
--               datetime_value, relation_id, version, deleted_at_version), in creation order.
-- Driver properties written at creation, (name, 'property', NULL), in Python 2 dict order
-- (arbitrary but fixed). clustometa's schemaversion = 3: importer accepts 3 (and 4).
INSERT INTO entity_attrs VALUES (1, 1, 'schemaversion', 'property', NULL, 'int', 3, NULL, NULL, NULL, 1, NULL);
-- The rack's minu, maxu (here minu first, then maxu). Importer: import as int properties.
INSERT INTO entity_attrs VALUES (2, 3, 'minu', 'property', NULL, 'int', 1, NULL, NULL, NULL, 3, NULL);
INSERT INTO entity_attrs VALUES (3, 3, 'maxu', 'property', NULL, 'int', 45, NULL, NULL, NULL, 3, NULL);
-- net-10's baseip, netmask, gateway (strings). Importer: import; they define the manager.
INSERT INTO entity_attrs VALUES (4, 5, 'baseip', 'property', NULL, 'string', NULL, '10.0.0.0', NULL, NULL, 5, NULL);
INSERT INTO entity_attrs VALUES (5, 5, 'netmask', 'property', NULL, 'string', NULL, '255.255.255.0', NULL, NULL, 5, NULL);
INSERT INTO entity_attrs VALUES (6, 5, 'gateway', 'property', NULL, 'string', NULL, '10.0.0.1', NULL, NULL, 5, NULL);
-- names-app's digits=3 (int), basename 'app', leadingZeros=1 (True), next=1: the next
-- property row is never updated; the next number to issue is the counter (names-app, next).
INSERT INTO entity_attrs VALUES (7, 6, 'digits', 'property', NULL, 'int', 3, NULL, NULL, NULL, 6, NULL);
INSERT INTO entity_attrs VALUES (8, 6, 'basename', 'property', NULL, 'string', NULL, 'app', NULL, NULL, 6, NULL);
INSERT INTO entity_attrs VALUES (9, 6, 'leadingZeros', 'property', NULL, 'int', 1, NULL, NULL, NULL, 6, NULL);
INSERT INTO entity_attrs VALUES (10, 6, 'next', 'property', NULL, 'int', 1, NULL, NULL, NULL, 6, NULL);
-- Containment: web contains web01 (n=0), web02 (n=1) and contained s2 (entity 9, n=2); the
-- n come from the counter (web, _contains). The s2 membership was deleted at version 17 with
-- s2 (clusto first deletes every row pointing at the deleted entity). Importer: import the
-- two live memberships (hidden rows, kept), skip the deleted one.
INSERT INTO entity_attrs VALUES (11, 2, '_contains', NULL, 0, 'relation', NULL, NULL, NULL, 7, 11, NULL);
INSERT INTO entity_attrs VALUES (12, 2, '_contains', NULL, 1, 'relation', NULL, NULL, NULL, 8, 12, NULL);
INSERT INTO entity_attrs VALUES (13, 2, '_contains', NULL, 2, 'relation', NULL, NULL, NULL, 9, 13, 17);
-- The deleted s2's own rows, deleted with it at version 17. Importer: skip them.
INSERT INTO entity_attrs VALUES (14, 9, 'owner', NULL, NULL, 'string', NULL, 'nobody', NULL, NULL, 14, 17);
INSERT INTO entity_attrs VALUES (15, 9, 'description', NULL, NULL, 'string', NULL, 'spare', NULL, NULL, 16, 17);
-- penguin01's memory. Importer: skipped with its entity (unknown driver), reported.
INSERT INTO entity_attrs VALUES (16, 12, 'system', 'memory', NULL, 'int', 512, NULL, NULL, NULL, 19, NULL);
-- vmnames' properties: digits=4, basename 'vm', leadingZeros=1, next=1 (counter says 2).
INSERT INTO entity_attrs VALUES (17, 13, 'digits', 'property', NULL, 'int', 4, NULL, NULL, NULL, 20, NULL);
INSERT INTO entity_attrs VALUES (18, 13, 'basename', 'property', NULL, 'string', NULL, 'vm', NULL, NULL, 20, NULL);
INSERT INTO entity_attrs VALUES (19, 13, 'leadingZeros', 'property', NULL, 'int', 1, NULL, NULL, NULL, 20, NULL);
INSERT INTO entity_attrs VALUES (20, 13, 'next', 'property', NULL, 'int', 1, NULL, NULL, NULL, 20, NULL);
-- (attr_ids 21 and 22 were the rows of entity 16, deleted by hand with it: a gap.)
-- oldnet's only property: the default netmask 255.255.255.255, no baseip (a /32 manager).
INSERT INTO entity_attrs VALUES (23, 17, 'netmask', 'property', NULL, 'string', NULL, '255.255.255.255', NULL, NULL, 24, NULL);
-- all contains web (n=0) and app (n=1): pools in a pool. Importer: import both.
INSERT INTO entity_attrs VALUES (24, 10, '_contains', NULL, 0, 'relation', NULL, NULL, NULL, 2, 26, NULL);
INSERT INTO entity_attrs VALUES (25, 10, '_contains', NULL, 1, 'relation', NULL, NULL, NULL, 4, 27, NULL);
-- app (a unique_pool) contains web01 (n=0). web01's parents in API order (highest attr_id
-- of the container's rows): web (11), then app (26).
INSERT INTO entity_attrs VALUES (26, 4, '_contains', NULL, 0, 'relation', NULL, NULL, NULL, 7, 28, NULL);
-- The rack holds web02 (a 2U device) at units 1 and 2: one (_contains, 'ru', U) row per unit,
-- numbered by the unit, not by a counter. Importer: import both rows; web02 is one child.
INSERT INTO entity_attrs VALUES (27, 3, '_contains', 'ru', 1, 'relation', NULL, NULL, NULL, 8, 29, NULL);
INSERT INTO entity_attrs VALUES (28, 3, '_contains', 'ru', 2, 'relation', NULL, NULL, NULL, 8, 29, NULL);
-- web01's memory: 1024, replaced by 2048 at version 31 (a set = delete + insert in one
-- transaction). Importer: only the live 2048 row (the deleted one is history).
INSERT INTO entity_attrs VALUES (29, 7, 'system', 'memory', NULL, 'int', 1024, NULL, NULL, NULL, 30, 31);
INSERT INTO entity_attrs VALUES (30, 7, 'system', 'memory', NULL, 'int', 2048, NULL, NULL, NULL, 31, NULL);
-- web01's config: a dict stored as json text (Python 2 json.dumps form). Importer: parse it.
INSERT INTO entity_attrs VALUES (31, 7, 'config', NULL, NULL, 'json', NULL, '{"role": "web", "ports": [80, 443]}', NULL, NULL, 32, NULL);
-- Two datetimes, naive: installed with microseconds (MySQL/MariaDB: fraction lost, see top),
-- racked with zero microseconds (the API renders it without a fraction). Importer: keep them
-- naive, as stored.
INSERT INTO entity_attrs VALUES (32, 7, 'installed', NULL, NULL, 'datetime', NULL, NULL, '2015-03-04 05:06:07.123456', NULL, 33, NULL);
INSERT INTO entity_attrs VALUES (33, 7, 'racked', NULL, NULL, 'datetime', NULL, NULL, '2014-01-02 03:04:05.000000', NULL, 34, NULL);
-- enabled = True, stored as int 1 (nothing records that it was a bool). Importer: int 1.
INSERT INTO entity_attrs VALUES (34, 7, 'enabled', NULL, NULL, 'int', 1, NULL, NULL, NULL, 35, NULL);
-- nothing = None: datatype string, all four value columns NULL. Importer: a null value.
INSERT INTO entity_attrs VALUES (35, 7, 'nothing', NULL, NULL, 'string', NULL, NULL, NULL, NULL, 36, NULL);
-- model, a basicserver property set after creation. Importer: string property.
INSERT INTO entity_attrs VALUES (36, 7, 'model', 'property', NULL, 'string', NULL, 'R610', NULL, NULL, 37, NULL);
-- Two rows with the same key, subkey and number (allowed). Importer: keep both, in order.
INSERT INTO entity_attrs VALUES (37, 7, 'description', NULL, NULL, 'string', NULL, 'frontend', NULL, NULL, 38, NULL);
INSERT INTO entity_attrs VALUES (38, 7, 'description', NULL, NULL, 'string', NULL, 'rack 1', NULL, NULL, 39, NULL);
-- Key order and hidden keys: by code point Zed < _x < config ...; _x is hidden (listings
-- omit it) but imported. Importer: keep both; sort keys by code point, not by collation.
INSERT INTO entity_attrs VALUES (39, 7, 'Zed', NULL, NULL, 'string', NULL, 'upper', NULL, NULL, 40, NULL);
INSERT INTO entity_attrs VALUES (40, 7, '_x', NULL, NULL, 'string', NULL, 'hidden', NULL, NULL, 41, NULL);
-- Non-ASCII key and value (raw UTF-8, not json). Importer: must round-trip as clé = café.
INSERT INTO entity_attrs VALUES (41, 7, 'clé', NULL, NULL, 'string', NULL, 'café', NULL, NULL, 42, NULL);
-- web01 gets 10.0.0.2 automatically from net-10, allocation number 0 (from the counter
-- (clustometa, ip)): first net-10's hidden _lastip (replaced at version 47), then the four
-- rows on the thing: encoded int (IP - 2^31), manager relation, ipstring, cidr.
-- Importer: import the live rows; the deleted _lastip is history.
INSERT INTO entity_attrs VALUES (42, 5, '_lastip', NULL, NULL, 'int', -1979711486, NULL, NULL, NULL, 43, 47);
INSERT INTO entity_attrs VALUES (43, 7, 'ip', NULL, 0, 'int', -1979711486, NULL, NULL, NULL, 43, NULL);
INSERT INTO entity_attrs VALUES (44, 7, 'ip', 'manager', 0, 'relation', NULL, NULL, NULL, 5, 43, NULL);
INSERT INTO entity_attrs VALUES (45, 7, 'ip', 'ipstring', 0, 'string', NULL, '10.0.0.2', NULL, NULL, 43, NULL);
INSERT INTO entity_attrs VALUES (46, 7, 'ip', 'cidr', 0, 'string', NULL, '10.0.0.2/24', NULL, NULL, 43, NULL);
-- web01 gets the name app001 from names-app, allocation number 0 (counter (clustometa,
-- simplename)). Importer: import both rows; app001 is taken.
INSERT INTO entity_attrs VALUES (47, 7, 'simplename', NULL, 0, 'string', NULL, 'app001', NULL, NULL, 44, NULL);
INSERT INTO entity_attrs VALUES (48, 7, 'simplename', 'manager', 0, 'relation', NULL, NULL, NULL, 6, 44, NULL);
-- web02 gets 10.0.0.3 automatically, allocation number 1 (one global sequence for all IP
-- managers): net-10's _lastip is replaced (row 42 deleted, row 49 live = 10.0.0.3, the last
-- automatic allocation), then web02's four rows, and later its osportname for number 1.
INSERT INTO entity_attrs VALUES (49, 5, '_lastip', NULL, NULL, 'int', -1979711485, NULL, NULL, NULL, 47, NULL);
INSERT INTO entity_attrs VALUES (50, 8, 'ip', NULL, 1, 'int', -1979711485, NULL, NULL, NULL, 47, NULL);
INSERT INTO entity_attrs VALUES (51, 8, 'ip', 'manager', 1, 'relation', NULL, NULL, NULL, 5, 47, NULL);
INSERT INTO entity_attrs VALUES (52, 8, 'ip', 'ipstring', 1, 'string', NULL, '10.0.0.3', NULL, NULL, 47, NULL);
INSERT INTO entity_attrs VALUES (53, 8, 'ip', 'cidr', 1, 'string', NULL, '10.0.0.3/24', NULL, NULL, 47, NULL);
INSERT INTO entity_attrs VALUES (54, 8, 'ip', 'osportname', 1, 'string', NULL, 'eth0', NULL, NULL, 48, NULL);
-- web02 gets the name app002, allocation number 1.
INSERT INTO entity_attrs VALUES (55, 8, 'simplename', NULL, 1, 'string', NULL, 'app002', NULL, NULL, 49, NULL);
INSERT INTO entity_attrs VALUES (56, 8, 'simplename', 'manager', 1, 'relation', NULL, NULL, NULL, 6, 49, NULL);
-- web02's tags: a list as json, with null and true inside. Importer: parse it.
INSERT INTO entity_attrs VALUES (57, 8, 'tags', NULL, NULL, 'json', NULL, '["a", null, true]', NULL, NULL, 50, NULL);
-- A negative int. Importer: int -5.
INSERT INTO entity_attrs VALUES (58, 8, 'weight', NULL, NULL, 'int', -5, NULL, NULL, NULL, 51, NULL);
-- An auto-numbered series: alias n=0, n=1 from the counter (web02, alias), now 1.
-- Importer: import both and the counter, so the next auto number is 2.
INSERT INTO entity_attrs VALUES (59, 8, 'alias', NULL, 0, 'string', NULL, 'w2', NULL, NULL, 52, NULL);
INSERT INTO entity_attrs VALUES (60, 8, 'alias', NULL, 1, 'string', NULL, 'www2', NULL, NULL, 53, NULL);
-- The live s2 (entity 11): its owner.
INSERT INTO entity_attrs VALUES (61, 11, 'owner', NULL, NULL, 'string', NULL, 'ops', NULL, NULL, 54, NULL);
-- s2 gets 10.0.0.52 EXPLICITLY from net-10: allocation number 2 (the global sequence again,
-- so (clustometa, ip) ends at 3); _lastip is left alone by explicit allocations.
INSERT INTO entity_attrs VALUES (62, 11, 'ip', NULL, 2, 'int', -1979711436, NULL, NULL, NULL, 55, NULL);
INSERT INTO entity_attrs VALUES (63, 11, 'ip', 'manager', 2, 'relation', NULL, NULL, NULL, 5, 55, NULL);
INSERT INTO entity_attrs VALUES (64, 11, 'ip', 'ipstring', 2, 'string', NULL, '10.0.0.52', NULL, NULL, 55, NULL);
INSERT INTO entity_attrs VALUES (65, 11, 'ip', 'cidr', 2, 'string', NULL, '10.0.0.52/24', NULL, NULL, 55, NULL);
-- web01's relations: buddy -> web02 (live: importer keeps it, renders /basicserver/web02);
-- pet -> penguin01 (skipped entity: dangling, importer drops and reports it);
-- ghost -> the deleted s2, entity 9 (written through a stale reference after the delete:
-- dangling, importer drops and reports it; it must NOT be attached to the live s2, entity 11).
INSERT INTO entity_attrs VALUES (66, 7, 'buddy', NULL, NULL, 'relation', NULL, NULL, NULL, 8, 56, NULL);
INSERT INTO entity_attrs VALUES (67, 7, 'pet', NULL, NULL, 'relation', NULL, NULL, NULL, 12, 57, NULL);
INSERT INTO entity_attrs VALUES (68, 7, 'ghost', NULL, NULL, 'relation', NULL, NULL, NULL, 9, 58, NULL);
-- json that clusto writes for [float('nan')] and a strict JSON parser rejects. Importer:
-- report it and skip the row (or accept NaN, if it decodes it deliberately).
INSERT INTO entity_attrs VALUES (69, 7, 'bad', NULL, NULL, 'json', NULL, '[NaN]', NULL, NULL, 59, NULL);

-- counters (counter_id, entity_id, attr_key, value), in creation order. Never versioned.
-- Per-entity sequences hold the LAST number handed out: web's _contains = 2 (members 0, 1, 2,
-- the last one deleted: numbers are never reused), all's = 1, app's = 0.
INSERT INTO counters VALUES (1, 2, '_contains', 2);
-- A counter of the deleted entity 9 (clusto <= 0.7.6 did not delete counters with their
-- entity). Importer: ignore it (entity not live).
INSERT INTO counters VALUES (2, 9, '_contains', 5);
-- vmnames' next number to issue: 2 (it issued vm0001).
INSERT INTO counters VALUES (3, 13, 'next', 2);
INSERT INTO counters VALUES (4, 10, '_contains', 1);
INSERT INTO counters VALUES (5, 4, '_contains', 0);
-- clustometa's allocation sequences hold the NEXT allocation number: ip = 3 (0, 1, 2 used),
-- simplename = 2 (0, 1 used).
INSERT INTO counters VALUES (6, 1, 'ip', 3);
INSERT INTO counters VALUES (7, 1, 'simplename', 2);
-- names-app's next number to issue, TWICE (a race created two rows; clusto itself fails on
-- such duplicates): the older row 8 says 2, row 9 says 3. Importer: keep the maximum, 3
-- (never the first or last row), so the next automatic name is app003.
INSERT INTO counters VALUES (8, 6, 'next', 2);
INSERT INTO counters VALUES (9, 6, 'next', 3);
-- web02's alias series: last number 1.
INSERT INTO counters VALUES (10, 8, 'alias', 1);
