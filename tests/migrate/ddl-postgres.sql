-- clusto 0.7.8 schema on PostgreSQL, as SQLAlchemy 1.0 creates it (clusto-sql.md sections 1-2).
-- SERIAL keys (32-bit INTEGER with a sequence), "user" quoted (a reserved word), VARCHAR(n)
-- enforced, TIMESTAMP WITHOUT TIME ZONE keeps microseconds. The value-text index is the
-- expression substring(string_value,0,20) (first 19 characters; useless for equality).
-- Column order matters: tests/migrate/rows.sql inserts positionally (and with explicit ids,
-- so the SERIAL sequences stay at 1; nothing inserts after it).

CREATE TABLE clustoversioning (
	version SERIAL NOT NULL,
	timestamp TIMESTAMP WITHOUT TIME ZONE,
	"user" VARCHAR(64),
	description TEXT,
	PRIMARY KEY (version)
);
CREATE INDEX ix_clustoversioning_timestamp ON clustoversioning (timestamp);

CREATE TABLE entities (
	entity_id SERIAL NOT NULL,
	name VARCHAR(128) NOT NULL,
	type VARCHAR(32) NOT NULL,
	driver VARCHAR(32) NOT NULL,
	version INTEGER NOT NULL,
	deleted_at_version INTEGER,
	PRIMARY KEY (entity_id)
);
CREATE INDEX idx_entity_name_version ON entities (name, version, deleted_at_version);

CREATE TABLE entity_attrs (
	attr_id SERIAL NOT NULL,
	entity_id INTEGER NOT NULL,
	key VARCHAR(256),
	subkey VARCHAR(256),
	number INTEGER,
	datatype VARCHAR(32) NOT NULL,
	int_value INTEGER,
	string_value TEXT,
	datetime_value TIMESTAMP WITHOUT TIME ZONE,
	relation_id INTEGER,
	version INTEGER NOT NULL,
	deleted_at_version INTEGER,
	PRIMARY KEY (attr_id),
	FOREIGN KEY(entity_id) REFERENCES entities (entity_id),
	FOREIGN KEY(relation_id) REFERENCES entities (entity_id)
);
CREATE INDEX idx_attrs_entity_version ON entity_attrs (entity_id, version, deleted_at_version);
CREATE INDEX idx_attrs_key ON entity_attrs (key);
CREATE INDEX idx_attrs_subkey ON entity_attrs (subkey);
CREATE INDEX idx_attrs_str_value ON entity_attrs (substring(string_value,0,20));

CREATE TABLE counters (
	counter_id SERIAL NOT NULL,
	entity_id INTEGER NOT NULL,
	attr_key VARCHAR(256),
	value INTEGER,
	PRIMARY KEY (counter_id),
	FOREIGN KEY(entity_id) REFERENCES entities (entity_id)
);
CREATE INDEX idx_counter_entity_attr ON counters (entity_id, attr_key);
