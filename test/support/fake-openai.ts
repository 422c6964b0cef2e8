import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalEmbedder } from '../../libs/ai/embedding/local.embedder.js';

export interface RecordedRequest { at: number; path: string; body: any; status: number }
/** A scripted answer for the next request: status, headers, optional delay. */
export interface Scripted { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }

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
  private readonly embedder: LocalEmbedder;

  private constructor(private readonly server: Server, dims: number) {
    this.embedder = new LocalEmbedder(dims);
  }

  static async start(dims = 1536): Promise<FakeOpenAI> {
    let self: FakeOpenAI;
    const server = createServer((req, res) => void self.handle(req, res));
    self = new FakeOpenAI(server, dims);
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
    const scripted = this.script.shift();
    const status = scripted?.status ?? 200;
    this.requests.push({ at: Date.now(), path: req.url ?? '', body, status });
    const delay = scripted?.delayMs ?? (req.url?.endsWith('/embeddings') ? this.embeddingDelayMs : 0);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    if (scripted && status !== 200) {
      res.writeHead(status, { 'content-type': 'application/json', ...(scripted.headers ?? {}) });
      res.end(JSON.stringify(scripted.body ?? { error: { message: `scripted ${status}`, type: 'test' } }));
      return;
    }
    if (req.method === 'POST' && req.url?.endsWith('/embeddings')) {
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      const vectors = await this.embedder.embed(inputs);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        object: 'list', model: body.model,
        data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        usage: { prompt_tokens: inputs.join(' ').length / 4, total_tokens: inputs.join(' ').length / 4 },
      }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'not found' } }));
  }

  embeddingRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/embeddings'));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
