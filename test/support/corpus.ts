import { randomUUID } from 'node:crypto';
import type { TestApi, TestTenant } from './api.js';
import { upload, waitForStatus } from './documents.js';

/** A question, the sentence that answers it, and the document it is in. */
export interface KnownAnswer {
  question: string;
  fact: string;
  doc: string;
}

const filler = (topic: string, n: number) =>
  Array.from(
    { length: n },
    (_, i) => `General note ${i + 1} on ${topic}: keep this guide with the product and read it before use. Store it in a dry place.`,
  ).join('\n\n');

/** Five documents on distinct topics, each with one fact a question asks for, plus filler. */
export const CORPUS: Record<string, string> = {
  'espresso-manual.md': `# Espresso machine manual\n\n${filler('the espresso machine', 3)}\n\n## Descaling\n\nTo descale the espresso machine, fill the water tank with citric acid solution and run the descaling cycle for twenty minutes.\n\n${filler('coffee', 2)}`,
  'bicycle-care.md': `# Bicycle care\n\n${filler('bicycles', 2)}\n\n## Tyres\n\nInflate road bike tyres to a pressure between 80 and 100 psi before every ride.\n\n${filler('cycling', 3)}`,
  'hr-policy.md': `# Human resources policy\n\n${filler('the company', 3)}\n\n## Holidays\n\nEmployees accrue twenty-five days of paid vacation per year, prorated in the first year.\n\n${filler('employment', 2)}`,
  'router-guide.md': `# Router guide\n\n${filler('the router', 2)}\n\n## Reset\n\nTo reset the router to factory settings, hold the reset button for ten seconds until the lights blink.\n\n## Spare parts\n\nThe replacement antenna has the part number XK-4471-B.\n\n${filler('networking', 2)}`,
  'garden-notes.md': `# Garden notes\n\n${filler('the garden', 3)}\n\n## Tomatoes\n\nWater tomato plants deeply twice a week and mulch them to keep the soil moist.\n\n${filler('plants', 2)}`,
};

/** Chunks small enough that each section of the corpus (its fact among the filler) is a chunk of its own. */
export const SMALL_CHUNKS = { CHUNK_TOKENS: '80', CHUNK_OVERLAP_TOKENS: '10' };

export const KNOWN_ANSWERS: KnownAnswer[] = [
  { question: 'How do I descale the espresso machine?', fact: 'citric acid', doc: 'espresso-manual.md' },
  { question: 'What pressure should road bike tyres have?', fact: '80 and 100 psi', doc: 'bicycle-care.md' },
  { question: 'How many days of paid vacation do employees get?', fact: 'twenty-five days of paid vacation', doc: 'hr-policy.md' },
  { question: 'How do I reset the router to factory settings?', fact: 'hold the reset button', doc: 'router-guide.md' },
  { question: 'How often should I water tomato plants?', fact: 'twice a week', doc: 'garden-notes.md' },
];

/** Uploads documents (made unique per run by a trailing tag) and waits until all are ready. Returns filename -> id. */
export async function ingest(api: TestApi, t: TestTenant, docs: Record<string, string>): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, text] of Object.entries(docs)) {
    const res = await upload(api, t.adminKey, `${text}\n\nDocument tag ${randomUUID()}.`, name);
    if (res.status !== 202) throw new Error(`upload ${name}: ${res.status} ${res.text}`);
    ids[name] = res.body.id;
  }
  for (const [name, id] of Object.entries(ids)) {
    const d = await waitForStatus(api, t.adminKey, id, ['ready', 'failed'], 60_000);
    if (d.status !== 'ready') throw new Error(`${name} failed: ${d.error}`);
  }
  return ids;
}
