ALTER TABLE shop_customer ADD COLUMN nickname varchar(64) NOT NULL DEFAULT '';
ALTER TABLE shop_customer ALTER COLUMN nickname DROP DEFAULT;
CREATE INDEX customer_nickname_idx ON shop_customer (nickname);
ALTER TABLE shop_customer DROP COLUMN legacy;
