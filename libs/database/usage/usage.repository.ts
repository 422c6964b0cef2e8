import type { EntityManager } from 'typeorm';
import { currentTenantId } from '../../tenancy/tenant-context.js';

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** Adds one request's tokens to today's (UTC) row for the tenant, kind and model, in the caller's transaction. */
export async function recordUsage(m: EntityManager, kind: 'chat' | 'embedding', model: string, usage: TokenUsage): Promise<void> {
  await m.query(
    `INSERT INTO usage_records (tenant_id, day, kind, model, prompt_tokens, completion_tokens, requests)
     VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2, $3, $4, $5, 1)
     ON CONFLICT (tenant_id, day, kind, model) DO UPDATE SET
       prompt_tokens = usage_records.prompt_tokens + EXCLUDED.prompt_tokens,
       completion_tokens = usage_records.completion_tokens + EXCLUDED.completion_tokens,
       requests = usage_records.requests + 1`,
    [currentTenantId(), kind, model, Math.max(0, Math.round(usage.promptTokens)), Math.max(0, Math.round(usage.completionTokens))],
  );
}

/** The tenant's daily chat token quota (settings.dailyTokenQuota; null = unlimited) and the chat tokens used today (UTC). */
export async function chatQuotaToday(m: EntityManager): Promise<{ quota: number | null; used: number }> {
  // bigint comes back as text; no row when the tenant is not the current one (RLS).
  const [row] = await m.query<{ quota: string | null; used: string }[]>(
    // Both sides named by the parameter, not correlated: on Citus `tenants` is a reference table, which a
    // correlated subquery may not read from.
    `SELECT (SELECT (t.settings->>'dailyTokenQuota')::bigint FROM tenants t WHERE t.id = $1) AS quota,
            COALESCE((SELECT sum(u.prompt_tokens + u.completion_tokens) FROM usage_records u
                      WHERE u.tenant_id = $1 AND u.day = (now() AT TIME ZONE 'UTC')::date AND u.kind = 'chat'), 0)::bigint AS used
     WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = $1)`,
    [currentTenantId()],
  );
  return { quota: row?.quota == null ? null : Number(row.quota), used: Number(row?.used ?? 0) };
}

export interface UsageDayRow {
  day: string;
  kind: 'chat' | 'embedding';
  model: string;
  promptTokens: number;
  completionTokens: number;
  requests: number;
}

/** The current tenant's usage rows of the last `days` days (UTC, today included), newest first. */
export async function usageByDay(m: EntityManager, days: number): Promise<UsageDayRow[]> {
  const rows = await m.query<
    { day: string; kind: 'chat' | 'embedding'; model: string; prompt: string; completion: string; requests: number }[]
  >(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, model, prompt_tokens AS prompt, completion_tokens AS completion, requests
     FROM usage_records
     WHERE tenant_id = $1 AND day > (now() AT TIME ZONE 'UTC')::date - $2::int
     ORDER BY day DESC, kind, model`,
    [currentTenantId(), days],
  );
  return rows.map((r) => ({
    day: r.day,
    kind: r.kind,
    model: r.model,
    promptTokens: Number(r.prompt),
    completionTokens: Number(r.completion),
    requests: r.requests,
  }));
}
