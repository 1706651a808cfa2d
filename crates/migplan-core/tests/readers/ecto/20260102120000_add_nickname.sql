ALTER TABLE users ADD COLUMN nickname varchar(255) NOT NULL DEFAULT '';
ALTER TABLE users DROP COLUMN legacy;
CREATE INDEX users_nickname_index ON users (nickname);
