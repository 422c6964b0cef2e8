import { countTokens } from '../tokenizer.js';
import type { ChatChunk, ChatProvider, ChatRequest, GroundingSource } from './chat-provider.js';

export const NOTHING_FOUND = 'I could not find anything relevant to your question in your documents.';

const STOPWORDS = new Set(
  (
    'a an and are as at be by can do does for from how i if in is it its me my of on or our so that the their them then there ' +
    'these they this to was we were what when where which who why will with you your about into than not no yes please tell show ' +
    'get use used using want need make way there any some all should would could has have had been being just only also'
  ).split(' '),
);

/** A crude English stemmer, enough for "indexes"/"index", "deleted"/"delete", "running"/"run" to meet. */
const stem = (w: string) =>
  w.length <= 4
    ? w
    : w
        .replace(/(?:ies)$/, 'y')
        .replace(/(?:es|s|ing|ed|ly)$/, '')
        .replace(/(.)\1$/, '$1');
const terms = (s: string) =>
  new Set(
    (
      s
        .toLowerCase()
        .normalize('NFKC')
        .match(/[\p{L}\p{N}][\p{L}\p{N}_]*/gu) ?? []
    )
      .filter((w) => !STOPWORDS.has(w))
      .map(stem),
  );

/**
 * Share of the question's content words a passage must contain for the answerer to
 * quote anything. Calibrated on the eval (bench/EVAL.md): for 63 of its 64 questions a
 * source held at least half of their words; for the 8 questions the manual does not
 * answer ("a recipe for sourdough bread") no source held more than a third.
 */
export const MIN_COVERAGE = 0.5;

/** Share of the question's content words found in a passage (its section path included). */
export function coverage(question: string, source: Pick<GroundingSource, 'content' | 'section'>): number {
  const wanted = terms(question);
  if (!wanted.size) return 0;
  const words = terms(`${source.section ?? ''} ${source.content}`);
  let hits = 0;
  for (const w of wanted) if (words.has(w)) hits++;
  return hits / wanted.size;
}

/**
 * The built-in, offline answerer: quotes the passages that best match the
 * question, each with its citation number. It reads only the question and the
 * sources, never the system prompt, and treats source text strictly as
 * quotation, so instructions inside a document are never acted on.
 */
export class LocalChatProvider implements ChatProvider {
  readonly local = true;
  constructor(readonly model = 'local-extractive') {}

  async *stream(req: ChatRequest): AsyncIterable<ChatChunk> {
    const answer = this.answer(req.grounding?.question ?? lastUser(req), req.grounding?.sources ?? []);
    // Stream word by word, like an LLM would, so clients exercise the same path.
    for (const piece of answer.match(/\S+\s*/g) ?? [answer]) {
      req.signal?.throwIfAborted();
      yield { type: 'token', text: piece };
      await new Promise((r) => setImmediate(r));
    }
    const prompt = req.messages.map((m) => m.content).join('\n');
    yield { type: 'usage', usage: { promptTokens: countTokens(prompt), completionTokens: countTokens(answer) } };
  }

  answer(question: string, sources: GroundingSource[]): string {
    const wanted = terms(question);
    if (!wanted.size) return NOTHING_FOUND;
    // How much of the question each passage covers: below MIN_COVERAGE it is not about the question.
    const covered = sources.map((s) => ({ s, coverage: coverage(question, s) })).filter((x) => x.coverage >= MIN_COVERAGE);
    if (!covered.length) return NOTHING_FOUND;
    // Quote the sentences that match, best passages first: never a heading line, never a bare list of words.
    const scored = covered.flatMap(({ s, coverage }) =>
      splitSentences(s.content)
        .map((sentence) => {
          const words = terms(sentence);
          let hits = 0;
          for (const w of wanted) if (words.has(w)) hits++;
          return { s, sentence, hits, score: hits / wanted.size + coverage + s.similarity / 10 };
        })
        .filter((x) => x.hits > 0 && /\s/.test(x.sentence.trim())),
    );
    if (!scored.length) return NOTHING_FOUND;
    scored.sort((a, b) => b.score - a.score || a.s.n - b.s.n);
    const picked: typeof scored = [];
    for (const x of scored) {
      if (picked.length >= 3) break;
      if (!picked.some((p) => p.sentence === x.sentence)) picked.push(x);
    }
    const lines = picked.map((p) => `> ${p.sentence.trim()} [${p.s.n}]`);
    const cited = [...new Set(picked.map((p) => p.s.n))].sort((a, b) => a - b);
    const refs = cited.map((n) => {
      const s = sources.find((x) => x.n === n)!;
      const place = s.section ? s.section : s.pageFrom === s.pageTo ? `p. ${s.pageFrom}` : `pp. ${s.pageFrom}-${s.pageTo}`;
      return `[${n}] ${s.filename}, ${place}`;
    });
    return `Here is what your documents say:\n\n${lines.join('\n')}\n\nSources: ${refs.join('; ')}`;
  }
}

function lastUser(req: ChatRequest): string {
  return [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
}

/** Sentences of a passage; Markdown heading lines and list/table markers are not quoted as such. */
function splitSentences(text: string): string[] {
  return text
    .split(/\n+/)
    .filter((line) => !/^#{1,6}\s/.test(line))
    .map((line) => line.replace(/^[-*]\s+/, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'(])/u)
    .filter((s) => s.trim().length > 0)
    .map((s) => s.slice(0, 600));
}
