import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http-error.js';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Decoded `:name` segments; a trailing `*` pattern puts the rest of the path in `'*'`. */
  params: Record<string, string>;
  /**
   * The next middleware, when LeFlux runs inside another app (`handle(req, res, next)`): a
   * route that finds nothing to serve hands the request on instead of answering 404.
   */
  next?: () => void;
  /** The client's address (the TCP peer, or as trusted proxies report it), for the limits. */
  address: string;
}

export type RouteHandler = (context: RouteContext) => Promise<void> | void;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/**
 * Method + path pattern routing: `/api/session/:id` binds one segment, a final `*`
 * matches any rest. First added, first matched. HEAD falls back to the GET route.
 *
 * @example
 * const router = new Router().add('GET', '/healthz', health).add('GET', '/*', staticSite);
 */
export class Router {
  readonly #routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.#routes.push({ method, segments: pattern.split('/').slice(1), handler });
    return this;
  }

  match(
    method: string,
    pathname: string,
  ): { handler: RouteHandler; params: Record<string, string> } | undefined {
    const parts = pathname.split('/').slice(1);
    const methods = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
    for (const candidate of methods) {
      for (const route of this.#routes) {
        if (route.method !== candidate) continue;
        const params = matchSegments(route.segments, parts);
        if (params) return { handler: route.handler, params };
      }
    }
    return undefined;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    if (want === '*' && i === pattern.length - 1) {
      params['*'] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (want.startsWith(':')) {
      if (part === '') return undefined;
      params[want.slice(1)] = decodeSegment(part);
    } else if (want !== part) {
      return undefined;
    }
  }
  return parts.length === pattern.length ? params : undefined;
}

function decodeSegment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch (error) {
    throw new HttpError(
      400,
      'invalid_payload',
      'malformed percent-encoding in the path',
      {},
      {
        cause: error,
      },
    );
  }
}
