import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath, type MediaTypeObject } from '@nestjs/swagger';

/**
 * Documents a 200 answer streamed as Server-Sent Events: the wire format (text, with an
 * example) and, per event name, the schema of its JSON data (components, listed under
 * the media type's `x-sse-events`; OpenAPI 3.0 has no schema for a stream's items).
 * `json` adds the application/json answer the same route gives when not streaming.
 */
export const ApiEventStream = (options: { description: string; example: string; events: Record<string, Type>; json?: Type }) =>
  applyDecorators(
    ApiExtraModels(...Object.values(options.events), ...(options.json ? [options.json] : [])),
    ApiResponse({
      status: 200,
      description: options.description,
      content: {
        ...(options.json ? { 'application/json': { schema: { $ref: getSchemaPath(options.json) } } } : {}),
        'text/event-stream': {
          schema: {
            type: 'string',
            description: `Server-Sent Events: ${Object.keys(options.events).join(', ')} (see x-sse-events for each event's data)`,
          },
          example: options.example,
          'x-sse-events': Object.fromEntries(Object.entries(options.events).map(([name, type]) => [name, { $ref: getSchemaPath(type) }])),
        } as MediaTypeObject, // an extension (x-…) the interface does not list
      },
    }),
  );
