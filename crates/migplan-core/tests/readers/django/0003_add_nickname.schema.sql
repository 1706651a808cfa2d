CREATE TABLE shop_customer (id serial PRIMARY KEY, name varchar(100) NOT NULL, legacy text);
