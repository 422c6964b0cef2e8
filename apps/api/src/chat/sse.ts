import type { Request, Response } from 'express';

/** Whether the client asked for Server-Sent Events. */
export const wantsEventStream = (req: Request) => (req.headers.accept ?? '').includes('text/event-stream');

/**
 * Starts an SSE response (the conversation chat's and the OpenAI-compatible stream's)
 * and returns a sender. The AbortController fires when the client goes away, so the
 * model call upstream is cancelled too, and nothing more is written.
 */
export function openEventStream(res: Response, abort: AbortController) {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no'); // nginx: do not buffer the stream
  res.flushHeaders();
  const write = (text: string) => {
    if (!abort.signal.aborted && !res.writableEnded) res.write(text);
  };
  return {
    /** A named event: `event: <name>` and its JSON data. */
    send(event: string, data: unknown): void {
      write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    /** An unnamed event (OpenAI's stream format): JSON data, or a string as is (`[DONE]`). */
    data(data: unknown): void {
      write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    },
    end(): void {
      if (!res.writableEnded) res.end();
    },
  };
}

/** An AbortController tied to the client connection. */
export function abortOnDisconnect(res: Response): AbortController {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new Error('client disconnected'));
  });
  return abort;
}
