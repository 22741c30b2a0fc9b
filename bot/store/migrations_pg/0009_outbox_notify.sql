-- Workers LISTEN on bot_outbox (bot/store/pg.py, Database.listen): every statement that adds outbox
-- rows announces it when its transaction commits, so an idle worker on another process or machine
-- wakes at once instead of at its next poll (which stays, as the fallback). One notice per
-- statement, and PostgreSQL folds identical notices of one transaction into one.
CREATE FUNCTION bot_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('bot_outbox', ''); RETURN NULL; END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION bot_outbox_notify();
