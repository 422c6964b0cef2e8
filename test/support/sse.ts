/** Reads a Server-Sent Events response into {event, data} records, in order. */
export async function readSse(
  res: Response,
  onEvent?: (e: { event: string; data: any }) => boolean | void,
): Promise<{ event: string; data: any }[]> {
  const events: { event: string; data: any }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let idx;
    while ((idx = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, idx);
      buffer = buffer.slice(idx + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      const raw = data.join('\n');
      let parsed: unknown = raw;
      try {
        parsed = JSON.parse(raw);
      } catch {
        /* [DONE] and friends */
      }
      const e = { event, data: parsed };
      events.push(e);
      if (onEvent?.(e) === true) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}
