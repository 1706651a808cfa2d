CREATE TABLE users (id serial PRIMARY KEY, name text, legacy text);
