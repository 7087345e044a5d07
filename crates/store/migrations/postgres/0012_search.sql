-- Full-text search (issue 4). PostgreSQL dialect; keep in step with ../sqlite/0012_search.sql.
--
-- Two text search configurations, French and English Snowball stemmers behind `unaccent`
-- (accent-insensitive); each searched table gets a generated tsvector column holding both
-- (so every write through any path is indexed) and a GIN index. Visibility is checked at
-- query time against the base tables.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TEXT SEARCH CONFIGURATION embarq_fr (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION embarq_fr
    ALTER MAPPING FOR hword, hword_part, word, asciihword, hword_asciipart, asciiword WITH unaccent, french_stem;
CREATE TEXT SEARCH CONFIGURATION embarq_en (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION embarq_en
    ALTER MAPPING FOR hword, hword_part, word, asciihword, hword_asciipart, asciiword WITH unaccent, english_stem;

ALTER TABLE posts ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('embarq_fr'::regconfig, body_md) || to_tsvector('embarq_en'::regconfig, body_md)) STORED;
CREATE INDEX posts_search ON posts USING gin (search_tsv);

ALTER TABLE comments ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('embarq_fr'::regconfig, body_md) || to_tsvector('embarq_en'::regconfig, body_md)) STORED;
CREATE INDEX comments_search ON comments USING gin (search_tsv);

ALTER TABLE spheres ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('embarq_fr'::regconfig, name) || to_tsvector('embarq_en'::regconfig, name), 'A')
    || to_tsvector('embarq_fr'::regconfig, description) || to_tsvector('embarq_en'::regconfig, description)) STORED;
CREATE INDEX spheres_search ON spheres USING gin (search_tsv);

ALTER TABLE users ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('embarq_fr'::regconfig, display_name) || to_tsvector('embarq_en'::regconfig, display_name), 'A')
    || to_tsvector('embarq_fr'::regconfig, coalesce(title, '') || ' ' || coalesce(department, '') || ' ' || coalesce(site, ''))
    || to_tsvector('embarq_en'::regconfig, coalesce(title, '') || ' ' || coalesce(department, '') || ' ' || coalesce(site, ''))) STORED;
CREATE INDEX users_search ON users USING gin (search_tsv);

-- File names are cut at every non-alphanumeric character first: the default parser would
-- otherwise read "budget_2027-v2.pdf" as one path-like token.
ALTER TABLE files ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('embarq_fr'::regconfig, regexp_replace(name, '[^[:alnum:]]+', ' ', 'g'))
    || to_tsvector('embarq_en'::regconfig, regexp_replace(name, '[^[:alnum:]]+', ' ', 'g'))) STORED;
CREATE INDEX files_search ON files USING gin (search_tsv);
