import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { register } from '../../libs/metrics/metrics.js';

const DASHBOARD = fileURLToPath(new URL('../../../docker/grafana-dashboard.json', import.meta.url));

test('the Grafana dashboard charts only metrics the apps define, and every ragdocs metric', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const used = new Set(
    dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => [...t.expr.matchAll(/\b(ragdocs_\w+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]!)),
    ),
  );
  const defined = new Set(
    register
      .getMetricsAsArray()
      .map((m) => m.name)
      .filter((n) => n.startsWith('ragdocs_')),
  );
  for (const name of used) assert.ok(defined.has(name), `${name} is charted but not defined`);
  for (const name of defined) assert.ok(used.has(name), `${name} is defined but not charted`);
});
