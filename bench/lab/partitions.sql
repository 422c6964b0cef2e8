SET maintenance_work_mem='3GB';
CREATE TABLE ep (tenant_id uuid NOT NULL, id uuid NOT NULL, content text NOT NULL, embedding halfvec(1536) NOT NULL, PRIMARY KEY (tenant_id,id)) PARTITION BY HASH (tenant_id);
DO $$ BEGIN FOR i IN 0..7 LOOP EXECUTE format('CREATE TABLE ep_%s PARTITION OF ep FOR VALUES WITH (modulus 8, remainder %s) WITH (toast_tuple_target=8160)', i, i); EXECUTE format('ALTER TABLE ep_%s ALTER COLUMN embedding SET STORAGE MAIN', i); END LOOP; END $$;
INSERT INTO ep SELECT tenant_id,id,content,embedding FROM eh;
ANALYZE ep;
\timing on
CREATE INDEX ep_hnsw ON ep USING hnsw (embedding halfvec_cosine_ops);
