CREATE TABLE users (id bigserial PRIMARY KEY, legacy_name text);
