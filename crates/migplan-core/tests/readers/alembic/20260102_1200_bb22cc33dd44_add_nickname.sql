ALTER TABLE users ADD COLUMN nickname varchar(64) NOT NULL DEFAULT '';
CREATE INDEX ix_users_nickname ON users (nickname);
ALTER TABLE users DROP COLUMN legacy;
