-- clusto 0.7.8 schema on MySQL / MariaDB, as SQLAlchemy 1.0 creates it (clusto-sql.md
-- sections 1-2): INTEGER AUTO_INCREMENT keys (32-bit signed), `key` backquoted (a reserved
-- word), VARCHAR(n), TEXT (65,535 bytes), DATETIME without fraction (microseconds are lost),
-- TIMESTAMP NULL, InnoDB (which enforces the foreign keys). clusto itself only asks for
-- ENGINE=InnoDB; DEFAULT CHARSET=utf8mb4 is what a careful install (and SQLAlchemy's
-- charset=utf8mb4 DSN) would have. The value-text index is the prefix string_value(20).
-- Column order matters: tests/migrate/rows.sql inserts positionally.

CREATE TABLE clustoversioning (
	version INTEGER NOT NULL AUTO_INCREMENT,
	timestamp TIMESTAMP NULL,
	user VARCHAR(64),
	description TEXT,
	PRIMARY KEY (version)
)ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX ix_clustoversioning_timestamp ON clustoversioning (timestamp);

CREATE TABLE entities (
	entity_id INTEGER NOT NULL AUTO_INCREMENT,
	name VARCHAR(128) NOT NULL,
	type VARCHAR(32) NOT NULL,
	driver VARCHAR(32) NOT NULL,
	version INTEGER NOT NULL,
	deleted_at_version INTEGER,
	PRIMARY KEY (entity_id)
)ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX idx_entity_name_version ON entities (name, version, deleted_at_version);

CREATE TABLE entity_attrs (
	attr_id INTEGER NOT NULL AUTO_INCREMENT,
	entity_id INTEGER NOT NULL,
	`key` VARCHAR(256),
	subkey VARCHAR(256),
	number INTEGER,
	datatype VARCHAR(32) NOT NULL,
	int_value INTEGER,
	string_value TEXT,
	datetime_value DATETIME,
	relation_id INTEGER,
	version INTEGER NOT NULL,
	deleted_at_version INTEGER,
	PRIMARY KEY (attr_id),
	FOREIGN KEY(entity_id) REFERENCES entities (entity_id),
	FOREIGN KEY(relation_id) REFERENCES entities (entity_id)
)ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX idx_attrs_entity_version ON entity_attrs (entity_id, version, deleted_at_version);
CREATE INDEX idx_attrs_key ON entity_attrs (`key`);
CREATE INDEX idx_attrs_subkey ON entity_attrs (subkey);
CREATE INDEX idx_attrs_str_value ON entity_attrs (string_value(20));

CREATE TABLE counters (
	counter_id INTEGER NOT NULL AUTO_INCREMENT,
	entity_id INTEGER NOT NULL,
	attr_key VARCHAR(256),
	value INTEGER,
	PRIMARY KEY (counter_id),
	FOREIGN KEY(entity_id) REFERENCES entities (entity_id)
)ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX idx_counter_entity_attr ON counters (entity_id, attr_key);
