-- Full-text search (issue 4). SQLite dialect; keep in step with ../postgres/0012_search.sql.
--
-- External-content FTS5 tables over the searched text, tokenized by `embarq` (a tokenizer
-- registered by the application on every connection: words folded to lower case without
-- accents, indexed under their French and English Snowball stems). Triggers keep them in
-- step, so whatever code inserts, updates or deletes a row, the index follows. Visibility
-- (sphere kind, membership, status, hidden_at, deleted_at) is checked at query time
-- against the base tables, never copied into the index.

CREATE VIRTUAL TABLE posts_fts USING fts5(body_md, content='posts', tokenize='embarq');
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts(rowid, body_md) VALUES (new.rowid, new.body_md);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, body_md) VALUES ('delete', old.rowid, old.body_md);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF body_md ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, body_md) VALUES ('delete', old.rowid, old.body_md);
    INSERT INTO posts_fts(rowid, body_md) VALUES (new.rowid, new.body_md);
END;
INSERT INTO posts_fts(posts_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE comments_fts USING fts5(body_md, content='comments', tokenize='embarq');
CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts(rowid, body_md) VALUES (new.rowid, new.body_md);
END;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, body_md) VALUES ('delete', old.rowid, old.body_md);
END;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF body_md ON comments BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, body_md) VALUES ('delete', old.rowid, old.body_md);
    INSERT INTO comments_fts(rowid, body_md) VALUES (new.rowid, new.body_md);
END;
INSERT INTO comments_fts(comments_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE spheres_fts USING fts5(name, description, content='spheres', tokenize='embarq');
CREATE TRIGGER spheres_fts_insert AFTER INSERT ON spheres BEGIN
    INSERT INTO spheres_fts(rowid, name, description) VALUES (new.rowid, new.name, new.description);
END;
CREATE TRIGGER spheres_fts_delete AFTER DELETE ON spheres BEGIN
    INSERT INTO spheres_fts(spheres_fts, rowid, name, description) VALUES ('delete', old.rowid, old.name, old.description);
END;
CREATE TRIGGER spheres_fts_update AFTER UPDATE OF name, description ON spheres BEGIN
    INSERT INTO spheres_fts(spheres_fts, rowid, name, description) VALUES ('delete', old.rowid, old.name, old.description);
    INSERT INTO spheres_fts(rowid, name, description) VALUES (new.rowid, new.name, new.description);
END;
INSERT INTO spheres_fts(spheres_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE users_fts USING fts5(display_name, title, department, site, content='users', tokenize='embarq');
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts(rowid, display_name, title, department, site)
    VALUES (new.rowid, new.display_name, new.title, new.department, new.site);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_fts(users_fts, rowid, display_name, title, department, site)
    VALUES ('delete', old.rowid, old.display_name, old.title, old.department, old.site);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF display_name, title, department, site ON users BEGIN
    INSERT INTO users_fts(users_fts, rowid, display_name, title, department, site)
    VALUES ('delete', old.rowid, old.display_name, old.title, old.department, old.site);
    INSERT INTO users_fts(rowid, display_name, title, department, site)
    VALUES (new.rowid, new.display_name, new.title, new.department, new.site);
END;
INSERT INTO users_fts(users_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE files_fts USING fts5(name, content='files', tokenize='embarq');
CREATE TRIGGER files_fts_insert AFTER INSERT ON files BEGIN
    INSERT INTO files_fts(rowid, name) VALUES (new.rowid, new.name);
END;
CREATE TRIGGER files_fts_delete AFTER DELETE ON files BEGIN
    INSERT INTO files_fts(files_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
CREATE TRIGGER files_fts_update AFTER UPDATE OF name ON files BEGIN
    INSERT INTO files_fts(files_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO files_fts(rowid, name) VALUES (new.rowid, new.name);
END;
INSERT INTO files_fts(files_fts) VALUES ('rebuild');
