import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keywordQuery, keywordTiers, tsqueryOperand } from '../../libs/retrieval/keyword-query.js';
import { keywordText, MAX_KEYWORD_TERMS } from '../../libs/retrieval/search.repository.js';

test('plain words go to to_tsvector (which drops stop words); quoted phrases and -exclusions keep websearch syntax', () => {
  assert.deepEqual(keywordQuery('How do I create a partial index?'), { words: 'How do I create a partial index?', all: '' });
  assert.deepEqual(keywordQuery('"partial index" create -btree'), { words: 'create', all: '"partial index" -btree' });
  assert.deepEqual(keywordQuery('say "" and "a  b'), { words: 'say and a b', all: '' }, 'empty and unbalanced quotes are plain');
  assert.deepEqual(keywordQuery('tea - ?? -- -x'), { words: 'tea', all: '-x' }, 'lone punctuation is dropped');
});

test('tiers: every lexeme, then all but one (3 to 8 lexemes), then any', () => {
  assert.deepEqual(keywordTiers([]), []);
  assert.deepEqual(keywordTiers(['index']), ["'index'"]);
  assert.deepEqual(keywordTiers(['gin', 'index', 'gin']), ["'gin' & 'index'", "'gin' | 'index'"]);
  assert.deepEqual(keywordTiers(['a', 'b', 'c']), ["'a' & 'b' & 'c'", "( 'b' & 'c' ) | ( 'a' & 'c' ) | ( 'a' & 'b' )", "'a' | 'b' | 'c'"]);
  assert.equal(keywordTiers('abcdefghi'.split('')).length, 2, 'no all-but-one tier past 8 lexemes');
});

test("a set's common words stay in the AND of every word but leave the OR parts: no branch of common words only, no common word in the last tier", () => {
  const common = new Set(['set', 'status']);
  assert.deepEqual(keywordTiers(['ququlovo', 'doquloju', 'set'], common), [
    "'ququlovo' & 'doquloju' & 'set'",
    "( 'doquloju' & 'set' ) | ( 'ququlovo' & 'set' ) | ( 'ququlovo' & 'doquloju' )",
    "'ququlovo' | 'doquloju'",
  ]);
  assert.deepEqual(
    keywordTiers(['set', 'status', 'tigiloju'], common),
    ["'set' & 'status' & 'tigiloju'", "( 'status' & 'tigiloju' ) | ( 'set' & 'tigiloju' )", "'tigiloju'"],
    "the branch of common words only ('set' & 'status') is left out",
  );
  assert.deepEqual(keywordTiers(['set', 'status'], common), ["'set' & 'status'"], 'only common words: their AND, no OR tier');
  assert.deepEqual(keywordTiers(['set'], common), ["'set'"], 'a lone common word is still searched (ranked up to the scan bound)');
  assert.deepEqual(keywordTiers(['a', 'b'], new Set()), keywordTiers(['a', 'b']), 'no common words: the tiers as before');
});

test('lexemes are quoted tsquery operands, whatever they contain', () => {
  assert.equal(tsqueryOperand("o'brien"), "'o''brien'");
  assert.equal(tsqueryOperand('a\\b'), "'a\\\\b'");
  assert.equal(tsqueryOperand('pg_hba.conf'), "'pg_hba.conf'");
});

test('the keyword side reads at most MAX_KEYWORD_TERMS words', () => {
  const q = keywordQuery(keywordText(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ')));
  assert.equal(q.words.split(' ').length, MAX_KEYWORD_TERMS);
});
