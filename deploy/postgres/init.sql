-- Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d), as the superuser.
-- One database and one login role per service: a service can connect to its own database only, so "services
-- never read another service's tables" holds in the database too. The passwords are for the compose stack on
-- one machine; a real deployment creates its roles with secrets of its own (see deploy/k8s/README.md).

CREATE ROLE identity LOGIN PASSWORD 'identity';
CREATE DATABASE identity OWNER identity;
REVOKE ALL ON DATABASE identity FROM PUBLIC;

CREATE ROLE business_registry LOGIN PASSWORD 'business_registry';
CREATE DATABASE business_registry OWNER business_registry;
REVOKE ALL ON DATABASE business_registry FROM PUBLIC;

CREATE ROLE delegation LOGIN PASSWORD 'delegation';
CREATE DATABASE delegation OWNER delegation;
REVOKE ALL ON DATABASE delegation FROM PUBLIC;

CREATE ROLE ledger LOGIN PASSWORD 'ledger';
CREATE DATABASE ledger OWNER ledger;
REVOKE ALL ON DATABASE ledger FROM PUBLIC;

CREATE ROLE rulings LOGIN PASSWORD 'rulings';
CREATE DATABASE rulings OWNER rulings;
REVOKE ALL ON DATABASE rulings FROM PUBLIC;

CREATE ROLE notifications LOGIN PASSWORD 'notifications';
CREATE DATABASE notifications OWNER notifications;
REVOKE ALL ON DATABASE notifications FROM PUBLIC;

-- The gateway's own: outage windows, planned maintenance, the store-and-forward queue.
CREATE ROLE gateway LOGIN PASSWORD 'gateway';
CREATE DATABASE gateway OWNER gateway;
REVOKE ALL ON DATABASE gateway FROM PUBLIC;
