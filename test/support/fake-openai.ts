import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalEmbedder } from '../../libs/ai/embedding/local.embedder.js';

export interface RecordedRequest {
  at: number;
  path: string;
  body: any;
  status: number;
}
/** A scripted answer for the next request: status, headers, optional delay. */
export interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
  /** only for requests to this path suffix */ path?: string;
}

/**
 * A small OpenAI-compatible HTTP server for tests: the vendor is the one
 * thing outside the system, so it is the one thing we stand in for.
 * Embeddings come from the local embedder, so results are meaningful.
 */
export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  private script: Scripted[] = [];
  /** Delay added to every embeddings answer (to make jobs slow enough to interrupt). */
  embeddingDelayMs = 0;
  /** What chat completions answer, streamed word by word. */
  chatAnswer = 'According to the sources, the answer is in the manual [1].';
  /** Delay between streamed chat chunks. */
  chatChunkDelayMs = 0;
  /** Chat streams whose client went away before the end (the upstream abort we must cause). */
  readonly abortedChats: RecordedRequest[] = [];
  private readonly embedder: LocalEmbedder;

  private constructor(
    private readonly server: Server,
    dims: number,
  ) {
    this.embedder = new LocalEmbedder(dims);
  }

  static async start(dims = 1536): Promise<FakeOpenAI> {
    const server = createServer((req, res) => void self.handle(req, res));
    const self = new FakeOpenAI(server, dims);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return self;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Answers the next requests with these, in order, before behaving normally again. */
  enqueue(...answers: Scripted[]): void {
    this.script.push(...answers);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : undefined;
    const at = this.script.findIndex((x) => !x.path || req.url?.endsWith(x.path));
    const scripted = at >= 0 ? this.script.splice(at, 1)[0] : undefined;
    const status = scripted?.status ?? 200;
    this.requests.push({ at: Date.now(), path: req.url ?? '', body, status });
    const delay = scripted?.delayMs ?? (req.url?.endsWith('/embeddings') ? this.embeddingDelayMs : 0);
    if (delay) {
      // A client that goes away (an aborted request) ends the wait: no timer outlives the test that set a long delay.
      await new Promise<void>((r) => {
        const timer = setTimeout(r, delay);
        res.once('close', () => (clearTimeout(timer), r()));
      });
      if (res.destroyed) return;
    }
    if (scripted && status !== 200) {
      res.writeHead(status, { 'content-type': 'application/json', ...(scripted.headers ?? {}) });
      res.end(JSON.stringify(scripted.body ?? { error: { message: `scripted ${status}`, type: 'test' } }));
      return;
    }
    if (req.method === 'POST' && req.url?.endsWith('/embeddings')) {
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      const vectors = await this.embedder.embed(inputs);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          model: body.model,
          data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
          usage: { prompt_tokens: inputs.join(' ').length / 4, total_tokens: inputs.join(' ').length / 4 },
        }),
      );
      return;
    }
    if (req.method === 'POST' && req.url?.endsWith('/chat/completions')) {
      const record = this.requests.at(-1)!; // pushed above
      const words = this.chatAnswer.match(/\S+\s*/g) ?? [this.chatAnswer];
      const usage = { prompt_tokens: (JSON.stringify(body.messages).length / 4) | 0, completion_tokens: words.length, total_tokens: 0 };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-fake',
            object: 'chat.completion',
            created: 0,
            model: body.model,
            choices: [{ index: 0, message: { role: 'assistant', content: this.chatAnswer }, finish_reason: 'stop' }],
            usage,
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let closed = false;
      res.on('close', () => {
        if (!res.writableFinished) {
          closed = true;
          this.abortedChats.push(record);
        }
      });
      const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      for (const w of words) {
        if (closed) return;
        send({
          id: 'chatcmpl-fake',
          object: 'chat.completion.chunk',
          created: 0,
          model: body.model,
          choices: [{ index: 0, delta: { content: w }, finish_reason: null }],
        });
        if (this.chatChunkDelayMs) await new Promise((r) => setTimeout(r, this.chatChunkDelayMs));
      }
      if (closed) return;
      send({
        id: 'chatcmpl-fake',
        object: 'chat.completion.chunk',
        created: 0,
        model: body.model,
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
      });
      if (body.stream_options?.include_usage)
        send({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model: body.model, choices: [], usage });
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'not found' } }));
  }

  chatRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/chat/completions'));
  }

  embeddingRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/embeddings'));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
