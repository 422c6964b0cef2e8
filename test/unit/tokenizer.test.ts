import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens, tokensWithin } from '../../libs/ai/tokenizer.js';

test('counts cl100k_base tokens, the encoding of text-embedding-3-small', () => {
  assert.equal(countTokens(''), 0);
  assert.equal(countTokens('hello world'), 2);
  assert.equal(countTokens('The quick brown fox jumps over the lazy dog.'), 10);
});

test('special-token strings in a document count as the text they are instead of throwing', () => {
  const hostile = 'before <|endoftext|> after <|im_start|>';
  assert.ok(countTokens(hostile) > 4);
  assert.equal(tokensWithin(hostile, 1000), countTokens(hostile));
});

test('tokensWithin gives the count up to the limit, and false past it', () => {
  const text = 'word '.repeat(50);
  const n = countTokens(text);
  assert.equal(tokensWithin(text, n), n);
  assert.equal(tokensWithin(text, n - 1), false);
});
