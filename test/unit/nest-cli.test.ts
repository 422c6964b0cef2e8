import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dirs = (parent: string) =>
  readdirSync(`${ROOT}${parent}`, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

test('nest-cli.json names every app and every lib, where they are', () => {
  const { projects } = JSON.parse(readFileSync(`${ROOT}nest-cli.json`, 'utf8')) as {
    projects: Record<string, { type: string; root: string; sourceRoot: string }>;
  };
  const named = (type: string) =>
    Object.entries(projects)
      .filter(([, p]) => p.type === type)
      .map(([name]) => name)
      .sort();
  // apps/web is the web console: a Vite front end the API serves, not a Nest project.
  assert.deepEqual(
    named('application'),
    dirs('apps').filter((d) => d !== 'web'),
  );
  assert.deepEqual(named('library'), dirs('libs'));
  for (const [name, p] of Object.entries(projects)) {
    assert.equal(p.root, `${p.type === 'application' ? 'apps' : 'libs'}/${name}`);
    assert.ok(
      dirs(p.sourceRoot.split('/').slice(0, -1).join('/')).includes(p.sourceRoot.split('/').at(-1)!),
      `${name}: ${p.sourceRoot} exists`,
    );
  }
});
