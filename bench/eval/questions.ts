/**
 * The eval's question set, written from the structure of the PostgreSQL 15
 * manual (Debian's postgresql-doc-15, one HTML file per section). Each topic
 * is asked twice: once in the manual's own words ("words", mostly the title or
 * first line of its page) and once paraphrased the way a user who has not read
 * the manual would ask ("paraphrased", avoiding the page's title words). A
 * question hits when a chunk of one of its expected pages is ranked within k.
 */
export type Half = 'words' | 'paraphrased';
export interface Question {
  half: Half;
  q: string;
  pages: string[];
}

const t = (words: string, paraphrased: string, pages: string[], paraphrasedPages: string[] = pages): Question[] => [
  { half: 'words', q: words, pages },
  { half: 'paraphrased', q: paraphrased, pages: paraphrasedPages },
];

export const QUESTIONS: Question[] = [
  ...t(
    'How does CREATE SEQUENCE define a new sequence generator?',
    'How can I get numbers that go up automatically for each new row?',
    ['sql-createsequence.html'],
    ['sql-createsequence.html', 'datatype-numeric.html', 'functions-sequence.html'],
  ),
  ...t(
    'What does VACUUM do to garbage-collect and optionally analyze a database?',
    'How do I reclaim the disk space taken by deleted rows?',
    ['sql-vacuum.html', 'routine-vacuuming.html'],
  ),
  ...t('How do I create a partial index?', 'Can I index only some of the rows of a table?', ['indexes-partial.html']),
  ...t('What are row security policies?', 'How do I restrict which rows each user is allowed to see?', [
    'ddl-rowsecurity.html',
    'sql-createpolicy.html',
  ]),
  ...t('How does table partitioning work?', 'How do I split a big table into smaller pieces by date range?', [
    'ddl-partitioning.html',
    'sql-createtable.html',
  ]),
  ...t('What is the pg_hba.conf file?', 'Which file controls which hosts may log in and how they prove who they are?', [
    'auth-pg-hba-conf.html',
  ]),
  ...t(
    'How do I use pg_dump to make an SQL dump?',
    'How do I save my whole database to a text file and load it on another machine?',
    ['backup-dump.html', 'app-pgdump.html'],
    ['backup-dump.html', 'app-pgdump.html', 'app-pgrestore.html', 'app-pg-dumpall.html'],
  ),
  ...t(
    'What is continuous archiving and point-in-time recovery?',
    'How can I bring the database back to the state it had at a given moment yesterday?',
    ['continuous-archiving.html'],
  ),
  ...t(
    'How do I set up logical replication with a publication and a subscription?',
    'How do I keep a copy of some tables synchronized on another server?',
    [
      'logical-replication-quick-setup.html',
      'logical-replication.html',
      'logical-replication-publication.html',
      'logical-replication-subscription.html',
    ],
    [
      'logical-replication.html',
      'logical-replication-quick-setup.html',
      'logical-replication-subscription.html',
      'logical-replication-publication.html',
      'high-availability.html',
      'warm-standby.html',
      'different-replication-solutions.html',
    ],
  ),
  ...t(
    'What are the transaction isolation levels?',
    'Why does my transaction fail when two sessions change the same data at the same time?',
    ['transaction-iso.html'],
    ['transaction-iso.html', 'mvcc-serialization-failure-handling.html', 'explicit-locking.html'],
  ),
  ...t(
    'How does EXPLAIN show the execution plan of a statement?',
    'How can I see why my query is slow and what the planner decided to do?',
    ['sql-explain.html', 'using-explain.html'],
  ),
  ...t('What is a generated column?', 'Can a column be computed automatically from other columns of the same row?', [
    'ddl-generated-columns.html',
  ]),
  ...t(
    'How do I use the jsonb data type?',
    'How do I store and query documents made of nested keys and values?',
    ['datatype-json.html', 'functions-json.html'],
    ['datatype-json.html', 'functions-json.html', 'hstore.html'],
  ),
  ...t(
    'What does the shared_buffers parameter set?',
    'How much memory should the server use for caching data pages?',
    ['runtime-config-resource.html'],
    ['runtime-config-resource.html', 'kernel-resources.html'],
  ),
  ...t('How does the autovacuum daemon work?', 'Does the server clean up dead rows by itself in the background?', [
    'routine-vacuuming.html',
    'runtime-config-autovacuum.html',
  ]),
  ...t(
    'What are GIN indexes?',
    'What kind of index is best for searching inside arrays?',
    ['gin.html', 'gin-intro.html'],
    ['gin.html', 'gin-intro.html', 'indexes-types.html', 'intarray.html', 'gin-builtin-opclasses.html'],
  ),
  ...t('What is hot standby?', 'Can I run read-only queries on a replica while it replays changes?', ['hot-standby.html']),
  ...t(
    'How does COPY copy data between a file and a table?',
    'What is the fastest way to bulk load a CSV file into a table?',
    ['sql-copy.html'],
    ['sql-copy.html', 'populate.html', 'app-psql.html', 'file-fdw.html'],
  ),
  ...t(
    'What are window functions?',
    'How do I compute a running total over ordered rows?',
    ['tutorial-window.html', 'functions-window.html'],
    ['tutorial-window.html', 'functions-window.html', 'sql-expressions.html', 'queries-table-expressions.html'],
  ),
  ...t(
    'How do WITH queries (common table expressions) work?',
    'How do I write a recursive query that walks a tree of parent and child rows?',
    ['queries-with.html'],
  ),
  ...t(
    'How does pg_upgrade upgrade a PostgreSQL server instance?',
    'How do I move my data to a newer major version without dumping and restoring it?',
    ['pgupgrade.html', 'upgrading.html'],
  ),
  ...t(
    'How do I write trigger functions in PL/pgSQL?',
    'How can I run my own code automatically whenever a row is inserted?',
    ['plpgsql-trigger.html'],
    ['plpgsql-trigger.html', 'sql-createtrigger.html', 'trigger-definition.html', 'triggers.html', 'trigger-example.html'],
  ),
  ...t(
    'What does the pg_stat_statements module track?',
    'How do I find which statements take the most execution time overall?',
    ['pgstatstatements.html'],
    ['pgstatstatements.html', 'auto-explain.html', 'monitoring-stats.html', 'runtime-config-logging.html'],
  ),
  ...t('What are advisory locks?', 'Can my application take a lock of its own that is not tied to any row or table?', [
    'explicit-locking.html',
    'functions-admin.html',
  ]),
  ...t('How do I create a database cluster with initdb?', 'How do I initialize the directory where the server keeps all its data?', [
    'creating-cluster.html',
    'app-initdb.html',
  ]),
  ...t(
    'How does full text search use tsvector and tsquery?',
    'How do I find documents containing some words in natural language, ranked by relevance?',
    ['textsearch-intro.html', 'datatype-textsearch.html', 'textsearch-controls.html', 'textsearch.html'],
  ),
  ...t(
    'What is write-ahead logging (WAL)?',
    'How does the server make sure committed changes survive a crash?',
    ['wal-intro.html'],
    ['wal-intro.html', 'wal-reliability.html', 'wal.html'],
  ),
  ...t('How do I GRANT privileges on a table?', 'How do I let another user read my table but not modify it?', [
    'sql-grant.html',
    'ddl-priv.html',
  ]),
  ...t('What are foreign key constraints?', 'How do I make sure an order always refers to a customer that exists?', [
    'ddl-constraints.html',
    'tutorial-fk.html',
  ]),
  ...t(
    'What is psql, the PostgreSQL interactive terminal?',
    'Which command-line tool do I use to type queries by hand and see the results?',
    ['app-psql.html'],
  ),
  ...t('What does the pgcrypto module provide?', 'How can I hash passwords or encrypt values inside the database?', ['pgcrypto.html']),
  ...t('How do I change the data type of a column with ALTER TABLE?', 'How do I rename a column or change its type in an existing table?', [
    'sql-altertable.html',
    'ddl-alter.html',
  ]),
];

/** Chat questions the manual does not answer: the built-in answerer must say it found nothing relevant. */
export const NO_ANSWER_QUESTIONS = [
  'What is a good recipe for sourdough bread?',
  'Who won the football world cup in 1998?',
  'How do I change the oil of my car?',
  'How many moons does Jupiter have?',
  'What is the best way to train a puppy?',
  'Who painted the Mona Lisa?',
  'How do I knit a scarf?',
  'What are the symptoms of the flu?',
];
