CREATE TABLE "Users" (id serial PRIMARY KEY, name varchar(255), legacy text);
