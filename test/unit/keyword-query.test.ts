import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keywordQuery } from '../../libs/retrieval/keyword-query.js';
import { keywordText, MAX_KEYWORD_TERMS } from '../../libs/retrieval/search.repository.js';

test('the plain words of a question are OR-ed (stop words are left to the text search configuration)', () => {
  assert.deepEqual(keywordQuery('How do I create a partial index?'), { any: 'How or do or I or create or a or partial or index?', all: '' });
});

test('quoted phrases and -exclusions keep their websearch meaning and are ANDed', () => {
  assert.deepEqual(keywordQuery('"partial index" create -btree'), { any: 'create', all: '"partial index" -btree' });
  assert.deepEqual(keywordQuery('say "" and "a  b'), { any: 'say or and or a or b', all: '' }, 'empty and unbalanced quotes are plain');
});

test('a user\'s "or" is not an operator word, lone punctuation is dropped, a leading dash alone is not an exclusion', () => {
  assert.deepEqual(keywordQuery('tea OR coffee - ?? --'), { any: 'tea or coffee', all: '' });
  assert.deepEqual(keywordQuery('-- - -x'), { any: '', all: '-x' });
});

test('the keyword side reads at most MAX_KEYWORD_TERMS words', () => {
  const q = keywordQuery(keywordText(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ')));
  assert.equal(q.any.split(' or ').length, MAX_KEYWORD_TERMS);
});
