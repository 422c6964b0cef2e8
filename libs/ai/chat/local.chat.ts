import { countTokens } from '../../ingestion/tokenizer.js';
import type { ChatChunk, ChatProvider, ChatRequest, GroundingSource } from './chat-provider.js';

export const NOTHING_FOUND = 'I could not find anything relevant to your question in your documents.';

const STOPWORDS = new Set(
  ('a an and are as at be by can do does for from how i if in is it its me my of on or our so that the their them then there ' +
    'these they this to was we were what when where which who why will with you your about into than not no yes please tell show').split(' '),
);
const terms = (s: string) => new Set((s.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}][\p{L}\p{N}_-]*/gu) ?? []).filter((w) => !STOPWORDS.has(w)));

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
    const scored = sources.flatMap((s) =>
      splitSentences(s.content).map((sentence) => {
        const words = terms(sentence);
        let hits = 0;
        for (const w of wanted) if (words.has(w)) hits++;
        return { s, sentence, score: hits + s.similarity };
      }).filter((x) => x.score > x.s.similarity), // at least one question term in the sentence
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
      return `[${n}] ${s.filename}, ${s.pageFrom === s.pageTo ? `p. ${s.pageFrom}` : `pp. ${s.pageFrom}-${s.pageTo}`}`;
    });
    return `Here is what your documents say:\n\n${lines.join('\n')}\n\nSources: ${refs.join('; ')}`;
  }
}

function lastUser(req: ChatRequest): string {
  return [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
}

function splitSentences(text: string): string[] {
  return text.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'(])/u).filter((s) => s.trim().length > 0).map((s) => s.slice(0, 600));
}
