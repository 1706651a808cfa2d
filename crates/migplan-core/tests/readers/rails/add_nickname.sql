ALTER TABLE users ADD COLUMN nickname character varying NOT NULL;
CREATE INDEX index_users_on_nickname ON users (nickname);
ALTER TABLE users DROP COLUMN legacy_name;
