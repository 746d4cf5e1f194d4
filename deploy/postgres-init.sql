-- Databases of the portal on one PostgreSQL server (docker-compose.yml).
--
-- One database and one login role per service: a service owns its database and cannot
-- connect to another service's one (one service, one database).
--
-- The postgres image runs this file once, with psql, when its data directory is empty.
-- Passwords come from the container's environment (psql's \getenv, PostgreSQL 15+):
-- an unset variable leaves the :'...' reference as is and the script stops on the
-- syntax error, so the stack does not start with a role that has no password.
-- Adding a service: add its role and database below and its *_DB_PASSWORD variable to
-- the postgres service in docker-compose.yml.

\set ON_ERROR_STOP on

\getenv requests_password REQUESTS_DB_PASSWORD
\getenv notifications_password NOTIFICATIONS_DB_PASSWORD
\getenv accounts_password ACCOUNTS_DB_PASSWORD
\getenv family_password FAMILY_DB_PASSWORD
\getenv billing_password BILLING_DB_PASSWORD

REVOKE ALL ON DATABASE postgres FROM PUBLIC;

CREATE ROLE requests LOGIN PASSWORD :'requests_password';
CREATE DATABASE requests OWNER requests;
REVOKE ALL ON DATABASE requests FROM PUBLIC;

CREATE ROLE notifications LOGIN PASSWORD :'notifications_password';
CREATE DATABASE notifications OWNER notifications;
REVOKE ALL ON DATABASE notifications FROM PUBLIC;

CREATE ROLE accounts LOGIN PASSWORD :'accounts_password';
CREATE DATABASE accounts OWNER accounts;
REVOKE ALL ON DATABASE accounts FROM PUBLIC;

CREATE ROLE family LOGIN PASSWORD :'family_password';
CREATE DATABASE family OWNER family;
REVOKE ALL ON DATABASE family FROM PUBLIC;

CREATE ROLE billing LOGIN PASSWORD :'billing_password';
CREATE DATABASE billing OWNER billing;
REVOKE ALL ON DATABASE billing FROM PUBLIC;
