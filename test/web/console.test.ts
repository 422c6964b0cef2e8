import assert from 'node:assert/strict';
import { afterEach, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { TestApi, TestTenant } from '../support/api.js';
import { collectProblems, screenshot, useBrowser } from '../support/browser.js';
import { SMALL_CHUNKS } from '../support/corpus.js';
import { upload, waitForStatus } from '../support/documents.js';
import type { FakeOpenAI } from '../support/fake-openai.js';
import { makePdf } from '../support/pdf-fixtures.js';
import { llmEmbeddings, useStack } from '../support/stack.js';

// The web console (apps/web) in Debian's Chromium, against the real API, worker, Postgres and
// Redis; only the LLM vendor is the fake. The tests of one file run in order and build on each
// other: tenant A signs in, uploads, searches, chats and manages keys; tenant B then looks for
// A's data through the same pages.
const stack = useStack({
  prefix: 'web',
  llm: true,
  workers: 1,
  tenants: ['web-a', 'web-b'],
  env: (llm) => ({
    ...SMALL_CHUNKS,
    ...llmEmbeddings(llm),
    CHAT_PROVIDER: 'openai-compatible',
    CHAT_MODEL: 'test-chat',
    OPENAI_MAX_RETRIES: '0',
  }),
});
const chrome = useBrowser();

let api: TestApi;
let llm: FakeOpenAI;
let a: TestTenant;
let b: TestTenant;
let ctxA: BrowserContext;
let pageA: Page;
let problemsA: string[];
const screenshots: string[] = [];

const PDF_PAGES = [
  'Zephyrometer service manual.\nThe zephyrometer flange needs a torque of forty newton metres.\nTighten it crosswise.',
  'Quartz pendulum care.\nWipe the quartz pendulum with a dry cloth every month.',
];
const MARKDOWN = '# Workshop rules\n\n## Safety\n\nGoggles are worn at the lathe at all times. The lathe stops with the red lever.\n';

before(async () => {
  ({
    api,
    llm,
    tenants: [a, b],
  } = await stack.ready);
  ctxA = await chrome.browser.newContext({ baseURL: api.baseUrl, viewport: { width: 1280, height: 860 } });
  pageA = await ctxA.newPage();
  problemsA = collectProblems(pageA);
});

// A failing test leaves a picture of tenant A's page as it was (test-artifacts/web/failed-*.png).
afterEach(async (t) => {
  if ((t as { passed?: boolean }).passed === false && pageA && !pageA.isClosed())
    await screenshot(pageA, `failed-${t.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => {});
});

/** Fills the tenant sign-in form and waits for the signed-in header. */
async function signIn(page: Page, t: TestTenant, password = t.adminPassword): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Tenant', { exact: true }).fill(t.slug);
  await page.getByLabel('Email').fill(t.adminEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** No script error and no Content-Security-Policy refusal on the page so far. */
function assertRanClean(problems: string[]): void {
  const bad = problems.filter((p) => /page error|Content Security Policy|Refused to/i.test(p));
  assert.deepEqual(bad, []);
}

describe('serving', () => {
  test('GET / is the console (no-cache), its hashed assets are immutable, and the API routes beside it are untouched', async () => {
    const index = await api.request('GET', '/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const assets = [...index.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.some((p) => p.endsWith('.js')) && assets.some((p) => p.endsWith('.css')), index.text);
    for (const path of assets) {
      const res = await api.request('GET', path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', path);
    }
    // Paths that are not files of the console still reach the API (no catch-all fallback).
    const missing = await api.request('GET', '/api/v1/no-such-route');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.statusCode, 404);
    assert.equal((await api.request('GET', '/health/live')).status, 200);
    assert.equal((await api.request('GET', '/documents')).status, 404);
    assert.equal((await api.request('GET', '/assets/no-such-file.js')).status, 404);
  });
});

describe('the console in a browser', () => {
  test('the platform admin signs in with the admin key, sees the tenants, creates one and edits its settings', async () => {
    const ctx = await chrome.browser.newContext({ baseURL: api.baseUrl });
    const page = await ctx.newPage();
    const problems = collectProblems(page);
    await page.goto('/');
    await page.getByRole('tab', { name: 'Platform admin' }).click();
    await page.getByLabel('Admin key').fill('not-the-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Admin key').fill(api.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('tenant').filter({ hasText: a.slug }).waitFor();
    assert.equal(await page.getByRole('link', { name: /\/docs/ }).getAttribute('href'), '/docs');
    assert.equal(await page.getByRole('link', { name: /\/admin\/queues/ }).getAttribute('href'), '/admin/queues');

    const slug = `web-c-${Date.now().toString(36)}`;
    const form = page.getByRole('region', { name: 'New tenant' });
    await form.getByLabel('Name').fill('Tenant C');
    await form.getByLabel('Slug').fill(slug);
    await form.getByLabel('Search language').fill('german');
    await form.getByLabel('Daily token quota').fill('5000');
    await form.getByRole('button', { name: 'Create tenant' }).click();
    const row = page.getByTestId('tenant').filter({ hasText: slug });
    await row.waitFor();
    await row.getByRole('button', { name: 'Settings' }).click();
    await page
      .getByRole('form', { name: `Settings of ${slug}` })
      .getByLabel('Daily token quota')
      .fill('7000');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(`Settings of ${slug} saved.`).waitFor();
    const created = (await api.request('GET', '/api/v1/admin/tenants', { token: api.adminKey })).body.items.find(
      (t: any) => t.slug === slug,
    );
    assert.deepEqual(created.settings, { searchLanguage: 'german', dailyTokenQuota: 7000 });
    screenshots.push(await screenshot(page, 'platform-admin'));
    assertRanClean(problems);
    await ctx.close();
  });

  test('a tenant user signs in (a wrong password is refused in plain words) and signs out', async () => {
    await signIn(pageA, a, 'wrong-password');
    const alert = pageA.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /invalid|incorrect|wrong/i);
    await signIn(pageA, a);
    await pageA.getByTestId('who').filter({ hasText: a.adminEmail }).waitFor();
    await pageA.getByRole('button', { name: 'Sign out' }).click();
    await pageA.getByRole('button', { name: 'Sign in' }).waitFor();
    await signIn(pageA, a);
    await pageA.getByRole('heading', { name: 'All documents' }).waitFor();
  });

  test('folders: create, rename, move under another, delete', async () => {
    const create = async (name: string) => {
      await pageA.getByPlaceholder(/New folder/).fill(name);
      await pageA.getByRole('button', { name: 'Create', exact: true }).click();
      await pageA.getByRole('heading', { name }).waitFor();
    };
    await create('Manuals');
    await pageA.getByRole('button', { name: 'All documents' }).click();
    await create('Scratch');
    pageA.once('dialog', (d) => void d.accept('Scratchpad'));
    await pageA.getByRole('button', { name: 'Rename' }).click();
    await pageA.getByRole('heading', { name: 'Scratchpad' }).waitFor();
    await pageA.getByLabel('Move to').selectOption({ label: 'Manuals' });
    await waitUntil(async () => {
      const folders = (await api.request('GET', '/api/v1/folders', { token: a.adminKey })).body.items;
      const manuals = folders.find((f: any) => f.name === 'Manuals');
      return folders.find((f: any) => f.name === 'Scratchpad')?.parentId === manuals?.id;
    }, 'Scratchpad moved under Manuals');
    pageA.once('dialog', (d) => void d.accept());
    await pageA.getByRole('button', { name: 'Delete', exact: true }).first().click();
    await pageA.getByRole('heading', { name: 'Manuals' }).waitFor();
    await waitUntil(
      async () =>
        !(await api.request('GET', '/api/v1/folders', { token: a.adminKey })).body.items.some((f: any) => f.name === 'Scratchpad'),
      'Scratchpad deleted',
    );
  });

  test('dropping several files uploads each with its own progress bar; the list shows them processing, then ready with page and chunk counts; a bad file says why', async () => {
    // Into the folder "Manuals", selected by the previous test.
    const files = [
      { name: 'manual.pdf', type: 'application/pdf', b64: Buffer.from(makePdf(PDF_PAGES)).toString('base64') },
      { name: 'rules.md', type: 'text/markdown', b64: Buffer.from(MARKDOWN).toString('base64') },
      { name: 'program.bin', type: 'application/octet-stream', b64: Buffer.from([0, 1, 2, 3, 0, 255, 0, 7, 0, 0]).toString('base64') },
    ];
    // (Functions passed to evaluate run in the page: its globals are reached through `globalThis`,
    // as this file is compiled without the DOM's types.)
    const transfer = await pageA.evaluateHandle((list) => {
      const page = globalThis as any;
      const dt = new page.DataTransfer();
      for (const f of list) dt.items.add(new page.File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      return dt;
    }, files);
    // Slow embeddings keep the documents in `processing` for a few seconds; the page records every
    // status its rows show, as a person watching would see them.
    llm.embeddingDelayMs = 3000;
    await pageA.evaluate(() => {
      const g = globalThis as any;
      g.seen = new Set<string>();
      g.seenTimer = setInterval(() => {
        for (const el of g.document.querySelectorAll('[data-testid=doc-row] .status')) g.seen.add(el.textContent.replace(/\d+/g, 'n'));
      }, 50);
    });
    await pageA.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: transfer });

    const uploads = pageA.getByRole('list', { name: 'Uploads' });
    await uploads.getByText('uploaded').nth(1).waitFor();
    await uploads.getByText(/unsupported|not supported|file type/i).waitFor();
    const bars = await uploads.locator('progress').evaluateAll((els) => els.map((e) => (e as any).value as number));
    // Every file was sent in full (the API judges the bytes), two were taken.
    assert.deepEqual(bars, [1, 1, 1]);
    assert.equal(await uploads.getByText('uploaded').count(), 2);

    await pageA.waitForFunction(
      () => (globalThis as any).document.querySelectorAll('[data-testid=doc-row][data-status=ready]').length === 2,
      null,
      {
        timeout: 60_000,
      },
    );
    llm.embeddingDelayMs = 0;
    const seen = await pageA.evaluate(() => {
      const g = globalThis as any;
      clearInterval(g.seenTimer);
      return [...g.seen] as string[];
    });
    assert.ok(seen.includes('processing n %'), `statuses shown: ${seen.join(' | ')}`);
    const pdfRow = pageA.getByTestId('doc-row').filter({ hasText: 'manual.pdf' });
    const cells = await pdfRow.locator('td').allInnerTexts();
    assert.equal(cells[1], 'ready');
    assert.equal(cells[2], '2', 'page count');
    assert.ok(Number(cells[3]) >= 1, `chunk count ${cells[3]}`);
    screenshots.push(await screenshot(pageA, 'documents'));
  });

  test("a document's chunks show their pages and sections", async () => {
    await pageA.getByRole('button', { name: 'manual.pdf' }).click();
    const pdfChunks = pageA.getByRole('region', { name: 'Chunks of manual.pdf' });
    await pdfChunks.getByText('forty newton metres', { exact: false }).waitFor();
    assert.match(await pdfChunks.innerText(), /p\. 1/);
    await pageA.getByRole('button', { name: 'rules.md' }).click();
    const mdChunks = pageA.getByRole('region', { name: 'Chunks of rules.md' });
    await mdChunks.getByText('Goggles', { exact: false }).waitFor();
    assert.match(await mdChunks.innerText(), /Safety/);
  });

  test('search shows filename, page, score and the matched words highlighted, in each mode and within a scope', async () => {
    await pageA.getByRole('link', { name: 'Search' }).click();
    for (const mode of ['keyword', 'hybrid', 'vector']) {
      await pageA.getByLabel('Search query').fill('zephyrometer flange torque');
      await pageA.getByLabel('Mode').selectOption(mode);
      await pageA.getByRole('button', { name: 'Search', exact: true }).click();
      const hit = pageA.getByTestId('hit').filter({ hasText: 'manual.pdf' }).first();
      await hit.waitFor();
      const text = await hit.innerText();
      assert.match(text, /p\. 1/, mode);
      assert.match(text, /\d\.\d{3} · sim -?\d\.\d{3}/, mode);
      const marks = await hit.locator('mark').allInnerTexts();
      assert.ok(
        marks.some((m) => /zephyrometer/i.test(m)),
        `${mode}: marks ${marks.join(',')}`,
      );
    }
    // Scope: only rules.md → the PDF is not among the results.
    await pageA.getByText('Scope', { exact: true }).click();
    await pageA.getByLabel('Documents').selectOption({ label: 'rules.md' });
    await pageA.getByLabel('Mode').selectOption('hybrid');
    await pageA.getByRole('button', { name: 'Search', exact: true }).click();
    await pageA.getByTestId('hit').filter({ hasText: 'rules.md' }).first().waitFor();
    assert.equal(await pageA.getByTestId('hit').filter({ hasText: 'manual.pdf' }).count(), 0);
    await pageA.getByLabel('Documents').selectOption([]);
    await pageA.getByLabel('Search query').fill('zephyrometer flange torque');
    await pageA.getByRole('button', { name: 'Search', exact: true }).click();
    await pageA.getByTestId('hit').filter({ hasText: 'manual.pdf' }).first().waitFor();
    screenshots.push(await screenshot(pageA, 'search'));
  });

  let conversationA = '';
  test('chat streams the answer token by token with the sources first, without layout shift; [1] opens the cited chunk; usage is shown', async () => {
    llm.chatAnswer =
      'The zephyrometer flange needs forty newton metres [1]. Tighten it crosswise, in several passes, and check it again after a week of use.';
    llm.chatChunkDelayMs = 40;
    await pageA.getByRole('link', { name: 'Chat' }).click();
    await pageA.getByRole('button', { name: 'New', exact: true }).click();
    await pageA.waitForURL(/#\/chat\/[0-9a-f-]{36}$/);
    conversationA = pageA.url().split('/').at(-1)!;

    // Layout shifts from here on (the click itself is input and excluded by the browser's own rule).
    await pageA.evaluate(() => {
      const w = globalThis as any;
      w.shift = 0;
      new w.PerformanceObserver((list: any) => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) w.shift += e.value;
      }).observe({ type: 'layout-shift' });
    });
    await pageA.getByLabel('Your question').fill('What torque does the zephyrometer flange need?');
    await pageA.getByLabel('Your question').press('Enter');

    // Mid-stream: part of the text, the caret, and the sources already above it.
    const partial = await pageA.waitForFunction(
      () => {
        const msg: any = [...(globalThis as any).document.querySelectorAll('[data-testid=msg-assistant]')].at(-1);
        const answer = msg?.querySelector('[data-testid=answer]');
        const text = answer?.textContent ?? '';
        return answer?.querySelector('.caret') && msg?.querySelector('.sources') && text.length > 0 ? text : false;
      },
      null,
      { timeout: 20_000, polling: 10 },
    );
    const partialText = (await partial.jsonValue()) as string;
    const answer = pageA.getByTestId('answer').last();
    await pageA.waitForFunction(() => !(globalThis as any).document.querySelector('.caret'), null, { timeout: 20_000 });
    const full = await answer.innerText();
    assert.ok(partialText.length < full.length, `streamed: "${partialText}" before "${full}"`);
    assert.ok(full.startsWith(partialText.trim().slice(0, 10)), `${partialText} / ${full}`);
    assert.match(full, /forty newton metres \[1\]/);
    const order = await pageA
      .getByTestId('msg-assistant')
      .last()
      .evaluate((el) => [...el.children].map((c) => c.className));
    assert.ok(order.indexOf('sources') < order.indexOf('answer'), `order ${order.join(',')}`);
    await pageA
      .getByTestId('usage')
      .last()
      .filter({ hasText: /\d+ prompt \+ \d+ completion tokens/ })
      .waitFor();
    const shift = await pageA.evaluate(() => (globalThis as any).shift as number);
    assert.ok(shift < 0.05, `cumulative layout shift while streaming: ${shift}`);

    await answer.getByRole('button', { name: '[1]' }).click();
    const viewer = pageA.getByTestId('chunk-viewer');
    await viewer.getByRole('heading', { name: 'manual.pdf' }).waitFor();
    assert.match(await viewer.innerText(), /p\. 1[\s\S]*forty newton metres/);
    screenshots.push(await screenshot(pageA, 'chat-citation'));
    await viewer.getByRole('button', { name: 'Close' }).click();
    await viewer.waitFor({ state: 'hidden' });

    // Reloaded from the server, the stored answer still links [1] to the same chunk.
    await pageA.getByRole('link', { name: 'Documents' }).click();
    await pageA.getByRole('link', { name: 'Chat' }).click();
    await pageA.getByTestId('conversation').first().click();
    await pageA.getByTestId('answer').last().getByRole('button', { name: '[1]' }).click();
    await viewer.getByRole('heading', { name: 'manual.pdf' }).waitFor();
    await viewer.getByRole('button', { name: 'Close' }).click();
    screenshots.push(await screenshot(pageA, 'chat'));
    llm.chatChunkDelayMs = 0;
  });

  test('a conversation keeps its own system prompt and scope', async () => {
    await pageA.getByText('settings', { exact: true }).click();
    await pageA.getByLabel('Title').fill('Torque questions');
    await pageA.getByLabel(/System prompt/).fill('You are the workshop helper.');
    await pageA.getByLabel('Documents').selectOption({ label: 'manual.pdf' });
    await pageA.getByRole('button', { name: 'Save', exact: true }).click();
    await pageA.getByText('Saved.').waitFor();
    const conv = (await api.request('GET', `/api/v1/conversations/${conversationA}`, { token: a.adminKey })).body;
    assert.equal(conv.title, 'Torque questions');
    assert.equal(conv.systemPrompt, 'You are the workshop helper.');
    assert.equal(conv.documentIds.length, 1);
    await pageA.getByTestId('conversation').filter({ hasText: 'Torque questions' }).waitFor();
  });

  test('a tenant admin creates an API key (shown once), sees it used, and revokes it; users and usage are listed', async () => {
    await pageA.getByRole('link', { name: 'Admin' }).click();
    const keys = pageA.getByRole('region', { name: 'API keys' });
    await keys.getByLabel('Name').fill('ui-key');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const key = (await pageA.getByTestId('new-key').locator('code').innerText()).trim();
    assert.match(key, /^rag_/);
    assert.equal((await api.request('GET', '/api/v1/me', { token: key })).status, 200);
    await pageA.getByRole('button', { name: 'Done' }).click();
    assert.equal(await pageA.getByText(key).count(), 0, 'the key is not shown again');

    await pageA.reload(); // the token lives in memory only: a reload signs out
    await signIn(pageA, a);
    await pageA.getByRole('link', { name: 'Admin' }).click();
    const row = pageA.getByTestId('key-row').filter({ hasText: 'ui-key' });
    await row.waitFor();
    assert.doesNotMatch(await row.innerText(), /\t—\t/, 'last used is shown after the key was used');
    pageA.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await pageA.locator('[data-testid=key-row][data-revoked=yes]', { hasText: 'ui-key' }).waitFor();
    assert.equal((await api.request('GET', '/api/v1/me', { token: key })).status, 401);

    const usersRegion = pageA.getByRole('region', { name: 'Users' });
    const users = await usersRegion.innerText();
    assert.ok(users.includes(a.adminEmail) && users.includes(`member@${a.slug}.test`), users);
    // A new user: created, made admin, deleted; each step through the API the page calls.
    const email = `newbie@${a.slug}.test`;
    const addUser = pageA.getByRole('form', { name: 'Add a user' });
    await addUser.getByLabel('Email').fill(email);
    await addUser.getByLabel(/Password/).fill('newbie-password-1');
    await addUser.getByRole('button', { name: 'Add user' }).click();
    await pageA.getByLabel(`Role of ${email}`).selectOption('admin');
    const roleOf = async () =>
      (await api.request('GET', '/api/v1/users', { token: a.adminKey })).body.items.find((u: any) => u.email === email)?.role;
    await waitUntil(async () => (await roleOf()) === 'admin', 'the new user to be admin');
    pageA.once('dialog', (d) => void d.accept());
    await usersRegion
      .getByRole('row', { name: new RegExp(email) })
      .getByRole('button', { name: 'Delete' })
      .click();
    await usersRegion.getByText(email).waitFor({ state: 'detached' });
    assert.equal(await roleOf(), undefined);
    const usage = pageA.getByRole('region', { name: 'Usage' });
    await usage.getByText('test-chat').waitFor();
    assert.match(await usage.innerText(), /Today \(UTC\): \d+ chat tokens/);
    screenshots.push(await screenshot(pageA, 'tenant-admin'));
    assertRanClean(problemsA);
  });

  test("a second tenant's user, signing in with the keyboard alone, never sees the first tenant's documents or conversations", async () => {
    const own = await upload(api, b.adminKey, '# B notes\n\nTenant B keeps its own notes about zephyrometer orders.\n', 'b-only.md');
    await waitForStatus(api, b.adminKey, own.body.id, ['ready']);
    await api.request('POST', '/api/v1/conversations', { token: b.adminKey, json: { title: 'B conversation' } });

    const ctx = await chrome.browser.newContext({ baseURL: api.baseUrl });
    const page = await ctx.newPage();
    const problems = collectProblems(page);
    await page.goto('/');
    await page.getByLabel('Tenant', { exact: true }).focus();
    await page.keyboard.type(b.slug);
    await page.keyboard.press('Tab');
    await page.keyboard.type(b.adminEmail);
    await page.keyboard.press('Tab');
    await page.keyboard.type(b.adminPassword);
    await page.keyboard.press('Enter');

    await page.getByTestId('doc-row').filter({ hasText: 'b-only.md' }).waitFor();
    assert.deepEqual(await page.getByTestId('doc-row').locator('td:first-child').allInnerTexts(), ['b-only.md']);
    assert.equal(await page.getByRole('button', { name: /Manuals/ }).count(), 0, "A's folder");

    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Search query').fill('zephyrometer flange torque');
    await page.getByLabel('Mode').selectOption('keyword');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('list', { name: 'Results' }).waitFor();
    assert.doesNotMatch(await page.getByRole('list', { name: 'Results' }).innerText(), /manual\.pdf|rules\.md/);

    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByTestId('conversation').filter({ hasText: 'B conversation' }).waitFor();
    assert.deepEqual(await page.getByTestId('conversation').allInnerTexts(), ['B conversation']);
    await page.goto(`/#/chat/${conversationA}`);
    await page.getByText('This conversation is not among yours.').waitFor();
    assertRanClean(problems);
    await ctx.close();
  });

  test('a document is reprocessed back to ready, and a deleted one leaves the list and the search', async () => {
    await pageA.getByRole('link', { name: 'Documents' }).click();
    const row = (name: string) => pageA.getByTestId('doc-row').filter({ hasText: name });
    await row('manual.pdf').waitFor();
    const before = (await api.request('GET', '/api/v1/documents', { token: a.adminKey })).body.items.find(
      (d: any) => d.filename === 'manual.pdf',
    );
    await row('manual.pdf').getByRole('button', { name: 'Reprocess' }).click();
    await waitUntil(async () => {
      const doc = (await api.request('GET', `/api/v1/documents/${before.id}`, { token: a.adminKey })).body;
      return doc.status === 'ready' && doc.updatedAt !== before.updatedAt;
    }, 'manual.pdf reprocessed');
    await pageA.locator('[data-testid=doc-row][data-status=ready]', { hasText: 'manual.pdf' }).waitFor();

    pageA.once('dialog', (d) => void d.accept());
    await row('rules.md').getByRole('button', { name: 'Delete' }).click();
    await row('rules.md').waitFor({ state: 'detached' });
    const hits = await api.request('POST', '/api/v1/search', { token: a.adminKey, json: { query: 'goggles lathe', mode: 'keyword' } });
    assert.ok(!hits.body.items.some((h: any) => h.filename === 'rules.md'), hits.text);
  });

  test('at phone width the main views fit the screen without sideways scrolling', async () => {
    await pageA.setViewportSize({ width: 390, height: 844 });
    for (const [link, heading, name] of [
      ['Documents', 'All documents', 'documents-phone'],
      ['Chat', 'Conversations', 'chat-phone'],
      ['Search', 'Search', 'search-phone'],
      ['Admin', 'API keys', 'tenant-admin-phone'],
    ] as const) {
      await pageA.getByRole('link', { name: link, exact: true }).click();
      await pageA.getByRole('heading', { name: heading, exact: true }).waitFor();
      await pageA.waitForLoadState('networkidle');
      const view = link;
      const { overflow, wide } = await pageA.evaluate(() => {
        const doc = (globalThis as any).document;
        const width: number = doc.documentElement.clientWidth;
        const wide: string[] = [...doc.querySelectorAll('body *')]
          .filter((el: any) => el.getBoundingClientRect().right > width + 0.5)
          .map((el: any) => `${el.tagName.toLowerCase()}.${el.className}`);
        return { overflow: doc.documentElement.scrollWidth - width, wide: wide.slice(0, 5) };
      });
      assert.ok(overflow <= 0, `${view} overflows by ${overflow}px: ${wide.join(', ')}`);
      screenshots.push(await screenshot(pageA, name));
    }
    console.log(`screenshots:\n  ${screenshots.join('\n  ')}`);
    await ctxA.close();
  });
});

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
