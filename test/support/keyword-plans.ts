import type pg from 'pg';

/**
 * The plans of the statements search_keyword() runs on the table, with their row counts, for `calls` calls of one query
 * in a transaction of the tenant (auto_explain's nested statements, sent to the client as notices). The superuser's
 * client: search_keyword() runs as its owner whoever calls it. Plain PostgreSQL only: on Citus these are the
 * coordinator's plans.
 */
export async function keywordPlans(db: pg.Client, tenantId: string, query: string, calls = 1): Promise<string[]> {
  const plans: string[] = [];
  const onNotice = (n: { message?: string }) => n.message?.includes('embeddings e') && plans.push(n.message);
  await db.query('BEGIN');
  try {
    await db.query(`SELECT set_config('app.current_tenant_id', $1, true)`, [tenantId]);
    await db.query(`LOAD 'auto_explain'`);
    for (const s of ['log_min_duration = 0', 'log_analyze = on', 'log_nested_statements = on', 'log_level = notice'])
      await db.query(`SET LOCAL auto_explain.${s}`);
    db.on('notice', onNotice);
    for (let i = 0; i < calls; i++)
      await db.query(`SELECT count(*) FROM search_keyword(plainto_tsquery('english', $1), 40, NULL, NULL)`, [query]);
  } finally {
    db.off('notice', onNotice);
    await db.query('ROLLBACK');
  }
  return plans;
}

/** Rows each plan node produced, as EXPLAIN ANALYZE reports them. */
export const actualRows = (plan: string) => [...plan.matchAll(/actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/g)].map((m) => Number(m[1]));
