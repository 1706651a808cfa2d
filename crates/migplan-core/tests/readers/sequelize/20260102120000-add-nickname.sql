ALTER TABLE "Users" ADD COLUMN nickname varchar(255) NOT NULL DEFAULT '';
CREATE INDEX users_nickname ON "Users" (nickname);
ALTER TABLE "Users" DROP COLUMN legacy;
