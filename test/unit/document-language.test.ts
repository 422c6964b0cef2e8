import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectSearchConfig, documentSearchConfig, MIN_DETECT_CHARS } from '../../libs/ingestion/document-language.js';

const long = (s: string) => Array.from({ length: Math.ceil((MIN_DETECT_CHARS * 2) / s.length) }, () => s).join(' ');
const TEXTS: Record<string, string> = {
  german: 'Das Haus am Fluss wurde im neunzehnten Jahrhundert gebaut und steht heute unter Denkmalschutz, sagt die Stadt.',
  french: 'La maison au bord de la rivière a été construite au dix-neuvième siècle et elle est aujourd’hui protégée.',
  spanish: 'La casa junto al río fue construida en el siglo diecinueve y hoy está protegida como monumento histórico.',
  english: 'The house by the river was built in the nineteenth century and is a protected monument today, the city says.',
  russian: 'Дом у реки был построен в девятнадцатом веке и сегодня является охраняемым памятником, говорят в городе.',
};

test('a document is indexed with the configuration of its language', () => {
  for (const [config, text] of Object.entries(TEXTS)) assert.equal(detectSearchConfig(long(text), 'english'), config, text);
});

test('a language PostgreSQL has no configuration for gets simple; too little text gets the fallback', () => {
  const polish = 'Dom nad rzeką zbudowano w dziewiętnastym wieku i dziś jest zabytkiem chronionym przez miasto i państwo.';
  assert.equal(detectSearchConfig(long(polish), 'english'), 'simple');
  assert.equal(detectSearchConfig(TEXTS.german!, 'english'), 'english', 'one sentence is too little to tell');
  // Code blocks do not count as prose.
  assert.equal(detectSearchConfig(`${TEXTS.german}\n\n\`\`\`\n${long('SELECT * FROM haus WHERE fluss;')}\n\`\`\``, 'french'), 'french');
});

test("the tenant's fixed configuration wins; a detected one PostgreSQL lacks becomes simple", () => {
  const pages = [{ text: long(TEXTS.german!) }];
  const installed = new Set(['english', 'german', 'simple']);
  assert.equal(documentSearchConfig({ fixed: 'simple', fallback: 'english', installed }, pages), 'simple');
  assert.equal(documentSearchConfig({ fixed: null, fallback: 'english', installed }, pages), 'german');
  assert.equal(documentSearchConfig({ fixed: null, fallback: 'english', installed: new Set(['english']) }, pages), 'simple');
});
